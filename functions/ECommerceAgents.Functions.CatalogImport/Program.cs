using ECommerceAgents.Functions.CatalogImport;

return await LambdaRuntime.RunAsync(ct => CatalogImportFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
