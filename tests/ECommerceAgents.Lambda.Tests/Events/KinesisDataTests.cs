using System.Text;
using System.Text.Json;
using ECommerceAgents.Lambda.Events;

namespace ECommerceAgents.Lambda.Tests.Events;

/// <summary>One record's odd <c>data</c> never fails the whole Kinesis event's deserialisation; the record keeps its text.</summary>
public sealed class KinesisDataTests
{
    private static KinesisEvent Read(string data) => JsonSerializer.Deserialize(
        "{\"Records\":[" + Record("1", "\"aGk=\"") + "," + Record("2", data) + "," + Record("3", "\"aGk=\"") + "]}",
        LambdaEventsJsonContext.Default.KinesisEvent)!;

    private static string Record(string sequence, string data) =>
        $$"""{"kinesis":{"partitionKey":"pk","sequenceNumber":"{{sequence}}","data":{{data}},"approximateArrivalTimestamp":1795428000.5},"eventID":"shardId-000000000001:{{sequence}}"}""";

    [Theory]
    [InlineData("\"!!! not base64 !!!\"", "!!! not base64 !!!")]
    [InlineData("\"\\ud800\"", "\\ud800")]
    [InlineData("{\"not\": [\"base64\"]}", "{\"not\": [\"base64\"]}")]
    [InlineData("12.5", "12.5")]
    [InlineData("null", "null")]
    public void Deserialize_OneRecordsDataNotBase64_EveryRecordRead_ItsTextKept(string json, string text)
    {
        var evt = Read(json);

        Assert.Equal(3, evt.Records.Count);
        Assert.Equal(text, evt.Records[1].Kinesis.Data);
        Assert.Equal("hi", Encoding.UTF8.GetString(evt.Records[2].Kinesis.DecodeData()));
    }

    [Fact]
    public void PlainStringProperty_LoneSurrogateEscape_FailsTheWholeEvent()
    {
        // Why the converter exists: a plain string property throws for the whole event.
        Assert.ThrowsAny<Exception>(() => JsonSerializer.Deserialize("{\"Data\":\"\\ud800\"}", KinesisDataTestJson.Default.PlainData));
    }

    [Fact]
    public void Serialize_RoundTrip_DataStaysTheSameText()
    {
        var evt = Read("\"aGVsbG8=\"");

        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(evt, LambdaEventsJsonContext.Default.KinesisEvent), LambdaEventsJsonContext.Default.KinesisEvent)!;

        Assert.Equal("aGVsbG8=", again.Records[1].Kinesis.Data);
        Assert.Equal("hello", Encoding.UTF8.GetString(again.Records[1].Kinesis.DecodeData()));
    }
}

public sealed record PlainData(string Data);

[System.Text.Json.Serialization.JsonSerializable(typeof(PlainData))]
internal sealed partial class KinesisDataTestJson : System.Text.Json.Serialization.JsonSerializerContext;
