using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>One stream record as the processor receives it.</summary>
public sealed record StreamInput(StreamPosition Position, string PartitionKey, ReadOnlyMemory<byte> Data, DateTimeOffset ArrivalTime)
{
    /// <summary>
    /// Set when the record could not even be decoded into bytes (its data was not base64): it is quarantined with this
    /// rejection, and <see cref="Data"/> holds the data's text as delivered (UTF-8), the only payload there is.
    /// </summary>
    public RejectedEvent? Rejection { get; init; }

    /// <summary>A record as Lambda delivers it, its data in base64. Data that is not base64 makes a record that is rejected alone.</summary>
    public static StreamInput FromBase64(StreamPosition position, string partitionKey, string data, DateTimeOffset arrivalTime)
    {
        var buffer = new byte[(data.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(data, buffer, out var written))
        {
            return new StreamInput(position, partitionKey, buffer.AsMemory(0, written), arrivalTime);
        }

        return new StreamInput(position, partitionKey, System.Text.Encoding.UTF8.GetBytes(data), arrivalTime)
        {
            Rejection = new RejectedEvent(FailureReason.InvalidBase64,
                [new Violation("$", "base64", $"the Kinesis record's data ({data.Length} characters) is not base64; the quarantine keeps the text as delivered")]),
        };
    }
}
