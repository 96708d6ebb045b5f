using System.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A server bound with <c>UdpTransport.Bind()</c> names itself <c>[::]:port</c>; a client told to connect there used to
/// try until it timed out (its datagrams reach the local host, the answers come from 127.0.0.1 or ::1). It now says so at once.
/// </summary>
public class UnspecifiedAddressTests
{
    private const ulong Protocol = 78;

    [Theory]
    [InlineData("[::]:40000")]
    [InlineData("0.0.0.0:40000")]
    public void Connecting_insecurely_to_the_unspecified_address_is_refused_with_the_address_to_use(string address)
    {
        var network = new InMemoryNetwork();
        using var client = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = Protocol, Insecure = true });
        var refused = Assert.Throws<ArgumentException>(() => client.ConnectInsecure(NetAddress.Parse(address), clientId: 1));
        Assert.Contains("127.0.0.1:40000", refused.Message);
        Assert.Equal(ClientState.Disconnected, client.State);
    }

    [Theory]
    [InlineData("ws://127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    public void Connecting_insecurely_to_port_zero_is_refused_at_once(string address)
    {
        // An address written without its port parses to port 0; the attempt used to end in ConnectTimedOut 5 s later.
        var network = new InMemoryNetwork();
        using var client = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = Protocol, Insecure = true });
        var refused = Assert.Throws<ArgumentException>(() => client.ConnectInsecure(NetAddress.Parse(address), clientId: 1));
        Assert.Contains("port 0", refused.Message);
        Assert.Equal(ClientState.Disconnected, client.State);
    }

    [Fact]
    public void A_token_naming_only_the_unspecified_address_is_refused()
    {
        var network = new InMemoryNetwork();
        var key = ConnectTokenIssuer.GenerateServerKey();
        var token = new ConnectTokenIssuer(key, Protocol).Issue(1, [], TimeSpan.FromMinutes(1), [NetAddress.Parse("[::]:40000")]);
        using var client = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = Protocol });
        Assert.Throws<ArgumentException>(() => client.Connect(token));
        Assert.Equal(ClientState.Disconnected, client.State);
    }

    [Fact]
    public void A_session_directory_or_login_issuing_tokens_for_the_unspecified_address_is_refused_where_it_is_set_up()
    {
        // Found by following the docs: InProcessSessions given the server socket's LocalAddress ([::]:port) accepted it, and
        // the mistake surfaced only at every player's Connect.
        var key = ConnectTokenIssuer.GenerateServerKey();
        var tokens = new SessionTokenOptions { ServerKey = key, ProtocolId = Protocol };
        var refused = Assert.Throws<ArgumentException>(() => new InProcessSessions(tokens, [IPEndPoint.Parse("[::]:40000")]));
        Assert.Contains("127.0.0.1:40000", refused.Message);
        Assert.Throws<ArgumentException>(() => new InProcessSessions(tokens, [IPEndPoint.Parse("127.0.0.1:40001"), IPEndPoint.Parse("0.0.0.0:40000")]));
        Assert.Throws<ArgumentException>(() => new TransportConnectTokenIssuer(new ConnectTokenIssuer(key, Protocol), [IPEndPoint.Parse("0.0.0.0:40000")]));
        Assert.Throws<ArgumentException>(() => new TransportConnectTokenIssuer(new ConnectTokenIssuer(key, Protocol), [NetAddress.Parse("[::]:40000")]));

        _ = new InProcessSessions(tokens, [IPEndPoint.Parse("127.0.0.1:40000")]);
        _ = new TransportConnectTokenIssuer(new ConnectTokenIssuer(key, Protocol), [NetAddress.Parse("ws://[::]:443"), NetAddress.Parse("[::1]:40000")]);
    }

    [Fact]
    public void Loopback_and_real_addresses_are_still_accepted()
    {
        var network = new InMemoryNetwork();
        using var client = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = Protocol, Insecure = true });
        client.ConnectInsecure([NetAddress.Parse("127.0.0.1:40000"), NetAddress.Parse("[::1]:40000"), NetAddress.Parse("192.0.2.7:40000")], clientId: 1);
        Assert.Equal(ClientState.SendingRequest, client.State);
    }
}
