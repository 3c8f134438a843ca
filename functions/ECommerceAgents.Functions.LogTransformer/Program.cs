using ECommerceAgents.Functions.LogTransformer;

return await LambdaRuntime.RunAsync(ct => LogTransformerFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
