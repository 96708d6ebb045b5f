using System.Diagnostics;
using System.Net;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A host that leaves tells every connection its server holds that the session ended: also one the handshake admitted
/// before the host's systems heard of it. Before, only the connections the relay had counted were told; the server's
/// dispose told the others <see cref="DisconnectReason.ServerShutdown"/>, which a player-hosted client reads as its host
/// lost, so that player started a migration for a session its host had ended on purpose.
/// </summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task A_leaving_host_tells_a_connection_admitted_before_it_heard_of_it_that_the_session_ended()
    {
        await using var rig = await Rig.StartAsync();
        var alice = rig.Alice;
        await rig.RunAsync(alice.Multiplayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel), "alice to host");
        var server = (NetServer)((LoopbackEndpoint)alice.Multiplayer.Host!.Server.Transport).Inner;

        // A joiner the handshake has just admitted (between two of alice's ticks): the server holds it, its Connected event
        // waits for alice's next tick. Alice leaves; her next tick stops hosting before it reads that event.
        using var joiner = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        server.Add(4242, joiner.LocalAddress, null, null, 30, Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency, compression: false);
        Assert.Equal(1, server.ConnectionCount);
        var leave = alice.Multiplayer.LeaveSessionAsync(Cancel);
        rig.Tick();
        Assert.Null(alice.Multiplayer.Host);

        var buffer = new byte[2048];
        var reasons = new List<DisconnectReason>();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); reasons.Count == 0 && DateTime.UtcNow < deadline; await Task.Delay(5, Cancel))
        {
            rig.Tick(); // the ended host lets its players go over its next ticks (end delivery, at most EndDeliveryWait)
            while (joiner.TryReceive(buffer, out int length, out _))
            {
                if ((PacketType)(buffer[0] & 0x0F) == PacketType.Disconnect) reasons.Add((DisconnectReason)buffer[length - 1]);
            }
        }

        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.Equal(DisconnectReason.SessionEnded, reason)); // before: ServerShutdown
        Assert.True(await rig.RunAsync(leave, "alice's leave"));
    }
}
