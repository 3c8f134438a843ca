using ECommerceAgents.Functions.BatchLoader;

return await LambdaRuntime.RunAsync(ct => BatchLoaderFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
