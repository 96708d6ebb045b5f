using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A <see cref="NetServer"/> or <see cref="NetClient"/> keeps its own copy of the options it validated: the caller
/// changing its object afterwards (a limit, the key's bytes, the address list) neither undoes the checks nor changes the
/// running peer. Each change below would have kept the client from connecting had it reached the peer.
/// </summary>
public sealed class OptionsOwnershipTests
{
    [Fact]
    public void Changing_the_server_options_after_the_server_was_made_changes_nothing_for_it()
    {
        using var h = new TransportHarness();
        var expected = h.Server.PublicAddresses.ToArray();

        h.ServerOptions.MaxDatagramsPerUpdate = 0;                    // invalid: the server would read nothing
        h.ServerOptions.ProtocolId ^= 1;                              // every request would be refused
        Array.Clear(h.ServerOptions.PrivateKey!);                     // no token would open
        h.ServerOptions.PublicAddresses = [NetAddress.Parse("192.0.2.9:9")]; // the server's own not named
        h.ServerOptions.MaxClients = 0;

        var client = h.Connect(1);

        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(1, h.Server.ConnectionCount);
        Assert.Equal(expected, h.Server.PublicAddresses);
    }

    [Fact]
    public void Changing_the_client_options_after_the_client_was_made_changes_nothing_for_it()
    {
        using var h = new TransportHarness();
        NetClientOptions? options = null;
        var client = h.AddClient(configure: o => options = o);

        options!.MaxDatagramsPerUpdate = 0;                           // invalid: the client would read no challenge
        options.ProtocolId ^= 1;                                      // the server would refuse the request
        options.Insecure = true;                                      // Connect(token) would throw
        client.Connect(h.IssueToken(1));

        Assert.True(h.RunUntil(() => client.State == ClientState.Connected, maxSteps: 300), $"client ended {client.State}");
        Assert.Equal(TransportHarness.ProtocolId, client.Options.ProtocolId);
    }

    [Fact]
    public void A_capture_set_on_the_callers_options_while_running_starts_and_stops_for_both_peers()
    {
        using var h = new TransportHarness();
        NetClientOptions? options = null;
        var client = h.AddClient(configure: o => options = o);
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected, maxSteps: 300), $"client ended {client.State}");

        using var clientStream = new MemoryStream();
        using var serverStream = new MemoryStream();
        var clientCapture = new PcapngWriter(clientStream, ownsStream: false);
        var serverCapture = new PcapngWriter(serverStream, ownsStream: false);
        options!.Capture = clientCapture;
        h.ServerOptions.Capture = serverCapture;
        for (int i = 0; i < 5; i++)
        {
            client.Send(ChannelKind.ReliableOrdered, [1, 2, 3]);
            h.Step();
        }
        h.RunUntil(() => clientCapture.PacketCount >= 5 && serverCapture.PacketCount >= 5, maxSteps: 100);
        Assert.True(clientCapture.PacketCount >= 5, $"client captured {clientCapture.PacketCount}");
        Assert.True(serverCapture.PacketCount >= 5, $"server captured {serverCapture.PacketCount}");

        options.Capture = null;
        h.ServerOptions.Capture = null;
        long clientCount = clientCapture.PacketCount, serverCount = serverCapture.PacketCount;
        for (int i = 0; i < 5; i++)
        {
            client.Send(ChannelKind.ReliableOrdered, [4, 5, 6]);
            h.Step();
        }
        Assert.Equal(clientCount, clientCapture.PacketCount);
        Assert.Equal(serverCount, serverCapture.PacketCount);
    }

    /// <summary>
    /// The send queue must hold two of the largest messages as queued (pooled buffers and per-fragment overhead), not
    /// merely twice their length: 40 B messages in an 80 B queue passed validation and then every reliable send cut the
    /// connection (review30). Failed before: nothing was thrown.
    /// </summary>
    [Theory]
    [InlineData(40, 80)]
    [InlineData(2 * 1024 * 1024, 4 * 1024 * 1024)]
    public void A_send_queue_too_small_for_two_of_the_largest_messages_is_refused_when_the_peer_is_made(int maxMessage, int queue)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransportHarness(configure: o => { o.MaxMessageSize = maxMessage; o.MaxSendQueueBytes = queue; }));
        using var h = new TransportHarness();
        Assert.Throws<ArgumentOutOfRangeException>(() => h.AddClient(configure: o => { o.MaxMessageSize = maxMessage; o.MaxSendQueueBytes = queue; }));
    }
}
