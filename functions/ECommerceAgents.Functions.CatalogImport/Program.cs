using ECommerceAgents.Functions.CatalogImport;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;

return await LambdaRuntime.RunAsync(ct => CatalogImportFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
