using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// <see cref="SessionConnector"/> over one joiner's <see cref="NatTraversal"/> used for one player-hosted session after
/// another. The traversal kept the first host's <see cref="NatTraversal.HostAddress"/> across <see cref="NatTraversal.Join"/>,
/// so the second connector read the old host's punched path on its first update and sent the handshake to the new host
/// at once (which the new host's NAT dropped), and the joiner did not even register the new rendezvous.
/// </summary>
public sealed class SessionConnectorTests
{
    [Fact]
    public void A_second_player_hosted_join_on_the_same_traversal_is_introduced_before_it_connects()
    {
        using var scene = new NatScene(NatKind.PortRestricted, NatKind.PortRestricted);
        var time = scene.Time;
        var options = new NatTraversalOptions { Introducer = NatScene.IntroducerAddress };
        var natB = new NatSimulator(scene.Internet, NetAddress.Parse("203.0.113.30:50000"), NatKind.PortRestricted, time);
        var sideB = new NatTraversal(natB, options, time);
        var keyB = ConnectTokenIssuer.GenerateServerKey();
        using var serverB = new NetServer(sideB, new NetServerOptions { ProtocolId = NatScene.ProtocolId, PrivateKey = keyB }, time);

        void Step()
        {
            scene.Step();
            sideB.Update();
            serverB.Update();
        }

        SessionConnector Join(NatTraversal host, Guid rendezvous, byte[] key)
        {
            var token = new ConnectTokenIssuer(key, NatScene.ProtocolId, time).Issue(7, [], TimeSpan.FromMinutes(5), [host.PublicAddress]);
            var info = new SessionConnectInfo(new SessionId(Guid.NewGuid()), token, [host.PublicAddress], time.GetUtcNow().AddMinutes(5))
            {
                Rendezvous = rendezvous,
            };
            return SessionConnector.Start(scene.Client, info, scene.JoinerSide, TimeSpan.FromSeconds(10), time);
        }

        // Host A: punched, connected, then left.
        scene.HostSide.Host(scene.Rendezvous);
        var rendezvousB = Guid.NewGuid();
        sideB.Host(rendezvousB);
        for (int i = 0; i < 2000 && (scene.HostSide.PublicAddress.IsNone || sideB.PublicAddress.IsNone); i++) Step();
        Assert.False(scene.HostSide.PublicAddress.IsNone || sideB.PublicAddress.IsNone, "both hosts registered");
        var toA = Join(scene.HostSide, scene.Rendezvous, scene.Key);
        for (int i = 0; i < 2000 && toA.State is SessionConnectorState.Introducing or SessionConnectorState.Connecting; i++)
        {
            Step();
            toA.Update();
        }

        Assert.Equal(SessionConnectorState.Connected, toA.State);
        Assert.Equal(NatPath.Direct, toA.Path);
        scene.Client.Disconnect();
        for (int i = 0; i < 10; i++) Step();

        // Host B on the same traversal: introduced first, no handshake before its path is settled.
        var toB = Join(sideB, rendezvousB, keyB);
        Assert.Equal(SessionConnectorState.Introducing, toB.Update());
        Assert.Equal(NatPath.None, toB.Path);
        Assert.Equal(ClientState.Disconnected, scene.Client.State);   // no handshake went out to host B yet
        for (int i = 0; i < 2000 && toB.State == SessionConnectorState.Introducing; i++)
        {
            Step();
            toB.Update();
        }

        Assert.Equal(SessionConnectorState.Connecting, toB.State);
        Assert.Equal(sideB.PublicAddress, scene.JoinerSide.HostAddress);
        Assert.Equal(NatPath.Direct, scene.JoinerSide.GetPath(sideB.PublicAddress));  // the handshake waited for B's own path
        for (int i = 0; i < 2000 && toB.State == SessionConnectorState.Connecting; i++)
        {
            Step();
            toB.Update();
        }

        Assert.Equal(SessionConnectorState.Connected, toB.State);
        Assert.Equal(NatPath.Direct, toB.Path);
    }
}
