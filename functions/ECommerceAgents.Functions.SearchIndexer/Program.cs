using ECommerceAgents.Functions.SearchIndexer;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;

return await LambdaRuntime.RunAsync(ct => SearchIndexerFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
