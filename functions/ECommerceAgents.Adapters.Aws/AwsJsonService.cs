namespace ECommerceAgents.Adapters.Aws;

/// <summary>One AWS JSON-protocol service: how to sign and address it.</summary>
/// <param name="SigningName">SigV4 service name, e.g. <c>kinesis</c>, <c>firehose</c>, <c>redshift-data</c>.</param>
/// <param name="TargetPrefix">The <c>X-Amz-Target</c> prefix, e.g. <c>Kinesis_20131202</c>.</param>
public sealed record AwsJsonService(string SigningName, string TargetPrefix, string JsonVersion = "1.1")
{
    public static readonly AwsJsonService Kinesis = new("kinesis", "Kinesis_20131202");
    public static readonly AwsJsonService Firehose = new("firehose", "Firehose_20150804");
    public static readonly AwsJsonService RedshiftData = new("redshift-data", "RedshiftData");
    public static readonly AwsJsonService Glue = new("glue", "AWSGlue");

    /// <summary>The public endpoint of the service in a region.</summary>
    public Uri DefaultEndpoint(string region) => new($"https://{SigningName}.{region}.amazonaws.com/");
}
