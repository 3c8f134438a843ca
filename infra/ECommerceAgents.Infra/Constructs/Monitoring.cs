using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Kinesis;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Constructs;

public sealed class MonitoringProps
{
    public required InfraSettings Settings { get; init; }

    public required StageConfig Stage { get; init; }

    public required IKey Key { get; init; }

    public required IStream Events { get; init; }

    public required IBucket Quarantine { get; init; }

    /// <summary>On-failure destination and rule dead-letter queue of the asynchronously invoked functions.</summary>
    public required IQueue FailedInvocations { get; init; }

    public required DeliveryStreamNames Firehose { get; init; }

    public required IReadOnlyList<PlatformFunction> Functions { get; init; }

    public RestApi? Api { get; init; }
}

/// <summary>
/// Alarms at the seed's data-quality thresholds on the functions' EMF metrics (namespace <see cref="Namespace"/>,
/// dimension <c>Function</c>), on stream lag and on failed batches in the on-failure destination; all notify one
/// encrypted SNS topic. Plus a CloudWatch dashboard of the pipeline.
/// </summary>
public sealed class Monitoring : Construct
{
    public const string Namespace = "ECommerceAgents";

    /// <summary>StreamProcessor's per-event processing lag (its <c>EventLagMetric</c>): one EMF value per event.</summary>
    public const string EventLagMetric = "EventProcessingLagMs";

    public Monitoring(Construct scope, string id, MonitoringProps props) : base(scope, id)
    {
        Topic = new Topic(this, "AlarmTopic", new TopicProps
        {
            DisplayName = "ECommerceAgents alarms (" + props.Settings.StageText + ")",
            MasterKey = props.Key,
            EnforceSSL = true,
        });
        // CloudWatch publishes to the encrypted topic with the platform key.
        props.Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
        }));
        // An explicit topic policy replaces the account default, so it names CloudWatch alarms as publishers
        // (and carries EnforceSSL's deny of plain HTTP).
        Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object>
                {
                    ["aws:SourceArn"] = Stack.Of(this).FormatArn(new ArnComponents { Service = "cloudwatch", Resource = "alarm", ResourceName = "*", ArnFormat = ArnFormat.COLON_RESOURCE_NAME }),
                },
            },
        }));
        if (props.Settings.AlarmEmail is { } email)
        {
            Topic.AddSubscription(new EmailSubscription(email));
        }

        var prefix = props.Settings.ResourcePrefix;
        var alarms = new List<Alarm>
        {
            // Seed 003 thresholds: completeness > 95 %, processing latency < 5 min, error rate < 1 %, freshness < 1 h.
            Alarm("DataCompleteness", $"{prefix}-data-completeness", Emf("DataCompleteness", "BatchLoader", "Average", Duration.Hours(1)),
                95, ComparisonOperator.LESS_THAN_THRESHOLD, 1, 1, TreatMissingData.NOT_BREACHING,
                "Batch data completeness fell below 95 %"),
            // A p99 over events: StreamProcessor writes one EMF value per acknowledged event (paged by 100), not a per-batch summary.
            Alarm("ProcessingLatency", $"{prefix}-processing-latency", Emf(EventLagMetric, "StreamProcessor", "p99", Duration.Minutes(5)),
                300_000, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 3, 2, TreatMissingData.NOT_BREACHING,
                "p99 per-event processing lag (arrival on the stream → last write acknowledged) reached 5 minutes"),
            Alarm("ErrorRate", $"{prefix}-error-rate", Emf("ErrorRate", "BatchLoader", "Average", Duration.Hours(1)),
                1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1, TreatMissingData.NOT_BREACHING,
                "Record error rate reached 1 %"),
            // In prod and small a missing freshness figure means the batch layer stopped: that is stale data too.
            Alarm("Freshness", $"{prefix}-freshness", Emf("FreshnessSeconds", "BatchLoader", "Maximum", Duration.Hours(1)),
                3_600, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1,
                props.Stage.IsProduction ? TreatMissingData.BREACHING : TreatMissingData.NOT_BREACHING,
                "Data freshness reached 1 hour"),
            Alarm("IteratorAge", $"{prefix}-kinesis-iterator-age", props.Events.MetricGetRecordsIteratorAgeMilliseconds(new MetricOptions
                {
                    Statistic = "Maximum",
                    Period = Duration.Minutes(1),
                }),
                300_000, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 5, 3, TreatMissingData.NOT_BREACHING,
                "The events stream's oldest unread record is 5 minutes old: consumers are falling behind"),
            // Lambda's S3 on-failure destination writes under aws/lambda/ in the quarantine: any such object is data the
            // stream processor gave up on. Read from the bucket's request-metrics filter on that prefix.
            Alarm("FailedBatches", $"{prefix}-failed-batches", new Metric(new MetricProps
                {
                    Namespace = "AWS/S3",
                    MetricName = "PutRequests",
                    DimensionsMap = new Dictionary<string, string>
                    {
                        ["BucketName"] = props.Quarantine.BucketName,
                        ["FilterId"] = DataLake.FailedBatchesMetricsFilter,
                    },
                    Statistic = "Sum",
                    Period = Duration.Minutes(5),
                }),
                1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1, TreatMissingData.NOT_BREACHING,
                $"A failed stream batch reached the on-failure destination (s3://<quarantine>/{ZoneLayout.FailedBatches}): redrive it"),
            Alarm("FailedInvocations", $"{prefix}-failed-invocations", props.FailedInvocations.MetricApproximateNumberOfMessagesVisible(new MetricOptions
                {
                    Statistic = "Maximum",
                    Period = Duration.Minutes(5),
                }),
                1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1, TreatMissingData.NOT_BREACHING,
                "A catalog import, search indexing or batch run failed after its retries: its event waits in the failed-invocations queue"),
        };

        foreach (var function in props.Functions)
        {
            alarms.Add(Alarm(function.Name + "Errors", $"{prefix}-{function.Name}-errors",
                function.Function.MetricErrors(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }),
                1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 3, 2, TreatMissingData.NOT_BREACHING,
                $"{function.Name} invocations are failing"));
        }

        foreach (var definition in DeliveryStreams.All)
        {
            alarms.Add(Alarm(Naming.Pascal(definition.Id) + "DeliveryFreshness", $"{prefix}-firehose-{definition.Id}-freshness",
                FirehoseMetric(props.Firehose.Name(definition), "DeliveryToS3.DataFreshness", "Maximum"),
                900, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 3, 3, TreatMissingData.NOT_BREACHING,
                $"Firehose {definition.Id} has not delivered to S3 for 15 minutes"));
        }

        if (props.Api is { } api)
        {
            alarms.Add(Alarm("Api5xx", $"{prefix}-api-5xx", api.MetricServerError(new MetricOptions { Statistic = "Average", Period = Duration.Minutes(5) }),
                0.01, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 3, 2, TreatMissingData.NOT_BREACHING,
                "More than 1 % of API requests end in a 5xx"));
        }

        foreach (var alarm in alarms)
        {
            alarm.AddAlarmAction(new SnsAction(Topic));
            alarm.AddOkAction(new SnsAction(Topic));
        }

        Alarms = alarms;
        Dashboard = BuildDashboard(props, alarms);
    }

    public Topic Topic { get; }

    public IReadOnlyList<Alarm> Alarms { get; }

    public Dashboard Dashboard { get; }

    public static Metric Emf(string name, string function, string statistic, Duration period) => new(new MetricProps
    {
        Namespace = Namespace,
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["Function"] = function },
        Statistic = statistic,
        Period = period,
    });

    private static Metric FirehoseMetric(string stream, string name, string statistic) => new(new MetricProps
    {
        Namespace = "AWS/Firehose",
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["DeliveryStreamName"] = stream },
        Statistic = statistic,
        Period = Duration.Minutes(5),
    });

    private Alarm Alarm(string id, string name, IMetric metric, double threshold, ComparisonOperator comparison,
        int evaluationPeriods, int datapointsToAlarm, TreatMissingData missing, string description) =>
        new(this, id, new AlarmProps
        {
            AlarmName = name,
            AlarmDescription = description,
            Metric = metric,
            Threshold = threshold,
            ComparisonOperator = comparison,
            EvaluationPeriods = evaluationPeriods,
            DatapointsToAlarm = datapointsToAlarm,
            TreatMissingData = missing,
        });

    private Dashboard BuildDashboard(MonitoringProps props, List<Alarm> alarms)
    {
        var fiveMinutes = Duration.Minutes(5);
        var functions = props.Functions;
        var dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = props.Settings.ResourcePrefix + "-pipeline",
            DefaultInterval = Duration.Hours(6),
        });

        dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps { Title = "Alarms", Alarms = [.. alarms], Width = 24, Height = 4 }));
        dashboard.AddWidgets(
            Graph("Data quality (%)", [Emf("DataCompleteness", "BatchLoader", "Average", Duration.Hours(1)), Emf("ErrorRate", "BatchLoader", "Average", Duration.Hours(1))],
                [new HorizontalAnnotation { Value = 95, Label = "completeness ≥ 95 %" }, new HorizontalAnnotation { Value = 1, Label = "error rate < 1 %" }]),
            Graph("Processing lag per event, p99 (ms)", [Emf(EventLagMetric, "StreamProcessor", "p99", fiveMinutes), Emf("ProcessingLagMaxMs", "StreamProcessor", "Maximum", fiveMinutes)],
                [new HorizontalAnnotation { Value = 300_000, Label = "5 min" }]),
            Graph("Freshness (s)", [Emf("FreshnessSeconds", "BatchLoader", "Maximum", Duration.Hours(1))],
                [new HorizontalAnnotation { Value = 3_600, Label = "1 h" }]));
        dashboard.AddWidgets(
            Graph("Events stream", [
                props.Events.MetricIncomingRecords(new MetricOptions { Statistic = "Sum", Period = fiveMinutes }),
                props.Events.MetricGetRecordsIteratorAgeMilliseconds(new MetricOptions { Statistic = "Maximum", Period = fiveMinutes }),
            ]),
            Graph("Firehose delivered records", [.. DeliveryStreams.All.Select(d => (IMetric)FirehoseMetric(props.Firehose.Name(d), "DeliveryToS3.Records", "Sum"))]),
            Graph("Failed batches (on-failure destination)", [alarms.First(a => a.Node.Id == "FailedBatches").Metric]));
        dashboard.AddWidgets(
            Graph("Invocations", [.. functions.Select(f => (IMetric)f.Function.MetricInvocations(new MetricOptions { Statistic = "Sum", Period = fiveMinutes, Label = f.Name }))]),
            Graph("Errors", [.. functions.Select(f => (IMetric)f.Function.MetricErrors(new MetricOptions { Statistic = "Sum", Period = fiveMinutes, Label = f.Name }))]),
            Graph("Duration p99 (ms)", [.. functions.Select(f => (IMetric)f.Function.MetricDuration(new MetricOptions { Statistic = "p99", Period = fiveMinutes, Label = f.Name }))]));
        if (props.Api is { } api)
        {
            dashboard.AddWidgets(
                Graph("API requests", [api.MetricCount(new MetricOptions { Statistic = "Sum", Period = fiveMinutes })]),
                Graph("API latency p99 (ms)", [api.MetricLatency(new MetricOptions { Statistic = "p99", Period = fiveMinutes })]),
                Graph("API errors", [
                    api.MetricClientError(new MetricOptions { Statistic = "Sum", Period = fiveMinutes }),
                    api.MetricServerError(new MetricOptions { Statistic = "Sum", Period = fiveMinutes }),
                ]));
        }

        return dashboard;
    }

    private static GraphWidget Graph(string title, IMetric[] metrics, HorizontalAnnotation[]? annotations = null) => new(new GraphWidgetProps
    {
        Title = title,
        Left = metrics,
        LeftAnnotations = annotations,
        Width = 8,
        Height = 6,
    });
}
