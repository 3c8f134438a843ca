using Amazon.CDK;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

/// <summary>
/// Physical names and ARNs of the delivery streams, known before the streams exist. The logs stream and LogTransformer
/// refer to each other (processor ↔ overflow PutRecordBatch); fixed names break that cycle. Names follow
/// <see cref="ResourceBindings.FromPrefix"/>: <c>{prefix}-{id}</c>.
/// </summary>
public sealed class DeliveryStreamNames(Stack stack, string prefix)
{
    public string Name(DeliveryStreamDefinition definition) => $"{prefix}-{definition.Id}";

    public string Arn(DeliveryStreamDefinition definition) =>
        stack.FormatArn(new ArnComponents { Service = "firehose", Resource = "deliverystream", ResourceName = Name(definition) });
}
