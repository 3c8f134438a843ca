using System.Text;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Tests.Processing;

public sealed class StreamInputTests
{
    private static readonly StreamPosition Position = new("shardId-000000000001", "49000");

    [Fact]
    public void FromBase64_Base64_DecodedBytesNoRejection()
    {
        var input = StreamInput.FromBase64(Position, "pk", Convert.ToBase64String("{\"a\":1}"u8), DateTimeOffset.UnixEpoch);

        Assert.Null(input.Rejection);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(input.Data.Span));
    }

    [Theory]
    [InlineData("!!! not base64 !!!")]
    [InlineData("{\"schema\":\"com.ecommerceagents/page_view/1-0-0\"}")]
    [InlineData("abc")]
    public void FromBase64_NotBase64_RejectedAsInvalidBase64_TextKeptAsPayload(string data)
    {
        var input = StreamInput.FromBase64(Position, "pk", data, DateTimeOffset.UnixEpoch);

        Assert.Equal(FailureReason.InvalidBase64, input.Rejection?.Reason);
        Assert.Equal("invalid_base64", input.Rejection!.Reason.Name());
        Assert.Equal(data, Encoding.UTF8.GetString(input.Data.Span));
    }
}
