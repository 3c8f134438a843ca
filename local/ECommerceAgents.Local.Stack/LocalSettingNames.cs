namespace ECommerceAgents.Local.Stack;

/// <summary>
/// The <c>ECA_*</c> variables only the local stack, the CLI and the tests read, each defined once (the functions'
/// settings are <see cref="ECommerceAgents.Resources.SettingNames"/>).
/// </summary>
public static class LocalSettingNames
{
    /// <summary>The local stack's state directory (default: <c>&lt;repo&gt;/.state/local</c>).</summary>
    public const string StateDir = "ECA_STATE_DIR";

    /// <summary>Every local server's port can be moved with <c>ECA_PORT_&lt;SERVER&gt;</c>.</summary>
    public const string PortPrefix = "ECA_PORT_";
    public const string PortDynamoDb = PortPrefix + "DYNAMODB";
    public const string PortKinesis = PortPrefix + "KINESIS";
    public const string PortS3 = PortPrefix + "S3";
    public const string PortRedis = PortPrefix + "REDIS";
    public const string PortPostgres = PortPrefix + "POSTGRES";
    public const string PortFirehose = PortPrefix + "FIREHOSE";
    public const string PortApi = PortPrefix + "API";

    /// <summary><c>1</c>: take the ports from the environment even when the state directory recorded others.</summary>
    public const string PortReset = PortPrefix + "RESET";

    /// <summary><c>1</c>: the CLI lets an exception through with its stack trace.</summary>
    public const string Debug = "ECA_DEBUG";

    /// <summary>The log file a local server's wrapper appends its output to.</summary>
    public const string ServerLog = "ECA_SERVER_LOG";

    /// <summary>The folder of PostgreSQL's binaries (<c>initdb</c>, <c>postgres</c>), when not found on their own.</summary>
    public const string PostgresBin = "ECA_POSTGRES_BIN";

    /// <summary><c>1</c>: the tests' in-process functions write their logs and metrics to the console.</summary>
    public const string TestFunctionLog = "ECA_TEST_FUNCTION_LOG";
}
