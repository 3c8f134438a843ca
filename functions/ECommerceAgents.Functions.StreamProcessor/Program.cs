using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;

return await LambdaRuntime.RunAsync(ct => StreamProcessorFunction.CreateAsync(FunctionEnvironment.FromProcess(), ct));
