using ECommerceAgents.Functions.SearchIndexer;

return await LambdaRuntime.RunAsync(ct => SearchIndexerFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
