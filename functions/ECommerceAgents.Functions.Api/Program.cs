using System.Net;
using ECommerceAgents.Functions.Api;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;

// In Lambda the Web Adapter extension owns the Runtime API and forwards requests to this app on 127.0.0.1:8080; in the
// ECS Fargate container behind the ALB it listens on every interface (ECA_LISTEN_ADDRESS=0.0.0.0).
var environment = FunctionEnvironment.FromProcess();
var port = environment.IntSetting("AWS_LWA_PORT", environment.IntSetting("PORT", 8080));
var listen = new IPEndPoint(environment.Setting(SettingNames.ListenAddress) is { } address ? IPAddress.Parse(address) : IPAddress.Loopback, port);

// At build time, Microsoft.Extensions.ApiDescription.Server runs this entry point only to build the app and read its
// OpenAPI document: no store is reached then.
await using var app = ApiApplication.GeneratingDocument
    ? ApiApplication.BuildOffline(environment, listen)
    : await ApiApplication.CreateAsync(environment, listen, CancellationToken.None);
await app.RunAsync();
