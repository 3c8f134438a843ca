using ECommerceAgents.Functions.LogTransformer;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;

return await LambdaRuntime.RunAsync(ct => LogTransformerFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
