using Amazon.CDK;
using ECommerceAgents.Infra;

// cdk synth [-c stage=dev|prod|local] [-c assets=stub] …: infra/README.md lists every context key.
try
{
    var app = new App();
    PlatformApp.Build(app);
    app.Synth();
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine("error: " + ex.Message);
    return 1;
}

return 0;
