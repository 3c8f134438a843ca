// jsii (the bridge to the CDK's JavaScript) is not thread-safe: one test at a time, one synthesized template per stage.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
