using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The per-source handshake budget (<see cref="NetServerOptions.HandshakeRatePerSecond"/>,
/// <see cref="NetServerOptions.HandshakeBurst"/>) is validated when the server is made, as the VersionAnswer budgets are.
/// Before (attack review 27), a NaN, negative or infinite value was taken: the token buckets then held NaN (infinity
/// times a zero interval is NaN too) and handshake packets were refused silently, or an infinite burst turned the limit
/// off.
/// </summary>
public sealed class HandshakeBudgetOptionsTests
{
    [Theory]
    [InlineData(nameof(NetServerOptions.HandshakeRatePerSecond), double.NaN)]
    [InlineData(nameof(NetServerOptions.HandshakeRatePerSecond), -1.0)]
    [InlineData(nameof(NetServerOptions.HandshakeRatePerSecond), 0.0)]
    [InlineData(nameof(NetServerOptions.HandshakeRatePerSecond), double.PositiveInfinity)]
    [InlineData(nameof(NetServerOptions.HandshakeBurst), double.NaN)]
    [InlineData(nameof(NetServerOptions.HandshakeBurst), -5.0)]
    [InlineData(nameof(NetServerOptions.HandshakeBurst), 0.5)]
    [InlineData(nameof(NetServerOptions.HandshakeBurst), double.PositiveInfinity)]
    public void A_handshake_budget_that_could_never_answer_is_refused_when_the_server_is_made(string option, double value)
    {
        var options = new NetServerOptions { ProtocolId = TransportHarness.ProtocolId, PrivateKey = new byte[32] };
        typeof(NetServerOptions).GetProperty(option)!.SetValue(options, value);
        var network = new InMemoryNetwork();
        using var socket = network.CreateTransport();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new NetServer(socket, options));
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void The_smallest_valid_budget_still_lets_a_client_connect()
    {
        using var h = new TransportHarness(configure: o =>
        {
            o.HandshakeRatePerSecond = 0.5;
            o.HandshakeBurst = 1;
        });
        var client = h.Connect(clientId: 7); // request and response 2 s apart at most: the resend waits for the bucket

        Assert.Equal(ClientState.Connected, client.State);
    }
}
