using Amazon.CDK;
using ECommerceAgents.Infra;

// cdk synth [-c stage=dev|prod|local] [-c assets=stub] …: see infra/README.md for every context key.
var app = new App();
PlatformApp.Build(app);
app.Synth();
