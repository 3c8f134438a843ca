using ECommerceAgents.Functions.BatchLoader;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;

return await LambdaRuntime.RunAsync(ct => BatchLoaderFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
