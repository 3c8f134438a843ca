// jsii (the bridge to the CDK's JavaScript) is not thread-safe: one test at a time, one synthesized template per stage.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
