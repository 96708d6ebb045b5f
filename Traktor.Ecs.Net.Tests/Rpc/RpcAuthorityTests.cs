using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>Forged, oversized, unknown, wrong-direction and flooding RPCs are dropped, counted and logged; other clients are unaffected.</summary>
public class RpcAuthorityTests
{
    [Fact]
    public void BadRpcsAreDroppedPerConnectionWithoutAffectingOtherClients()
    {
        using var setup = new RpcWorld(new LinkConditions());
        setup.ServerRpcs.AllowFromClients<FireCommand>();
        var commands = new RpcRecorder<FireCommand>(setup.ServerWorld);
        var announcements = new RpcRecorder<ScoreAnnouncement>(setup.ServerWorld);
        setup.ServerGroup.Add(commands, announcements);
        var attacker = setup.Connect(66, seed: 2);
        var honest = setup.Connect(7, seed: 3);
        var attackerConnection = setup.ConnectionOf(66);
        var honestConnection = setup.ConnectionOf(7);

        ushort fire = RpcWorld.Rpcs.Get<FireCommand>().Id;
        ushort announcement = RpcWorld.Rpcs.Get<ScoreAnnouncement>().Id;
        ushort joined = RpcWorld.Rpcs.Get<PlayerJoined>().Id;
        var raw = attacker.Client.Transport;
        raw.Send(ChannelKind.ReliableOrdered, ClientMessage(9999, [1, 2, 3]));                   // unknown type
        raw.Send(ChannelKind.ReliableOrdered, ClientMessage(fire, new byte[2000]));               // oversized
        raw.Send(ChannelKind.ReliableOrdered, ClientMessage(fire, []));                           // forged: truncated payload
        raw.Send(ChannelKind.ReliableOrdered, ClientMessage(fire, [0xFF, 0xFF, 0xFF, 0xFF, 9])); // forged: trailing bytes
        raw.Send(ChannelKind.ReliableOrdered, [RpcFormat.ClientRpcMessage, 0x01]);                // forged: short header
        raw.Send(ChannelKind.ReliableOrdered, ClientMessage(announcement, Payload(new ScoreAnnouncement { Score = 1 })));
        raw.Send(ChannelKind.ReliableOrdered, ClientMessage(joined, new byte[12]));               // a session event is server-only
        raw.Send(ChannelKind.ReliableOrdered, [RpcFormat.ServerRpcMessage, 0, 0, 0, 0, 0, 0, 0]); // a server-to-client kind
        attacker.World.SendRpc(new ScoreAnnouncement { Score = 2 }, RpcTarget.Server);           // through the API: still server-only
        attacker.World.SendRpc(new FireCommand { Weapon = 3 }, RpcTarget.Server);                 // the one legitimate RPC
        honest.World.SendRpc(new FireCommand { Weapon = 4 }, RpcTarget.Server);

        setup.Tick(20);

        Assert.True(setup.ServerRpcs.TryGetCounters(attackerConnection, out var bad));
        Assert.Equal(1, bad.DroppedFor(RpcDropReason.UnknownType));
        Assert.Equal(0, bad.DroppedFor(RpcDropReason.Oversized)); // refused before the RPC layer, by the message budget:
        Assert.Equal(1, setup.Server.MessageCounters.Oversized);
        Assert.Equal(3, bad.DroppedFor(RpcDropReason.Malformed));
        Assert.Equal(4, bad.DroppedFor(RpcDropReason.WrongDirection));
        Assert.Equal(1, bad.Received);
        Assert.True(setup.ServerRpcs.TryGetCounters(honestConnection, out var good));
        Assert.Equal(0, good.Dropped);
        Assert.Equal(1, good.Received);

        Assert.Empty(announcements.Received);
        Assert.Equal([(3, attackerConnection), (4, honestConnection)], commands.Received.Select(c => (c.Rpc.Weapon, c.Source.Connection)).OrderBy(c => c.Weapon));
        Assert.Equal(2, setup.Server.Connections.Count); // nobody was disconnected
        Assert.Contains(setup.ServerLog.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("UnknownType") && l.Message.Contains(attackerConnection.ToString()));
        Assert.Contains(setup.ServerLog.Lines, l => l.Message.Contains("WrongDirection"));
        Assert.DoesNotContain(setup.ServerLog.Lines, l => l.Message.Contains(honestConnection.ToString()) && l.Message.Contains("Dropped"));
    }

    [Fact]
    public void AFloodingClientIsRateLimitedWhileAnotherIsNot()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { RatePerSecond = 30, Burst = 10 });
        setup.ServerRpcs.AllowFromClients<FireCommand>();
        var commands = new RpcRecorder<FireCommand>(setup.ServerWorld);
        setup.ServerGroup.Add(commands);
        var flooder = setup.Connect(1, seed: 2);
        var calm = setup.Connect(2, seed: 3);
        // The hard limit before the RPC layer (twice its rate) would disconnect this flooder; this test is about the
        // RPC layer's own soft limit, so the hard one is raised out of the way.
        setup.Server.SetMessageBudget(RpcFormat.ClientRpcMessage, new MessageBudget(1024, 10_000, 10_000));

        // One second: the flooder sends 20 per tick (1,200/s), the calm client one every other tick (30/s).
        for (int tick = 0; tick < 60; tick++)
        {
            for (int i = 0; i < 20; i++)
            {
                flooder.World.SendRpc(new FireCommand { Weapon = 1 }, RpcTarget.Server);
            }

            if (tick % 2 == 0)
            {
                calm.World.SendRpc(new FireCommand { Weapon = 2 }, RpcTarget.Server);
            }

            setup.Tick();
        }

        setup.Tick(10);
        Assert.True(setup.ServerRpcs.TryGetCounters(setup.ConnectionOf(1), out var flood));
        Assert.True(setup.ServerRpcs.TryGetCounters(setup.ConnectionOf(2), out var steady));
        Assert.InRange(flood.Received, 30, 80); // burst 10 + about 30 per second
        Assert.Equal(1200 - flood.Received, flood.DroppedFor(RpcDropReason.RateLimited));
        Assert.Equal(30, steady.Received);
        Assert.Equal(0, steady.Dropped);
        Assert.Equal(30, commands.Received.Count(c => c.Rpc.Weapon == 2));
    }

    [Fact]
    public void AnRpcTooLargeToSendIsDroppedAndCountedNotSent()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { MaxRpcBytes = 10 });
        var peer = setup.Connect(1, seed: 2);
        var received = new RpcRecorder<OrderedPing>(peer.World);
        peer.Group.Add(received);

        setup.ServerWorld.SendRpc(new OrderedPing { Index = uint.MaxValue, SentTick = uint.MaxValue }, RpcTarget.AllClients);
        setup.Tick(10);

        Assert.Equal(1, setup.ServerRpcs.Counters.DroppedFor(RpcDropReason.Oversized));
        Assert.Empty(received.Received);
        Assert.Equal(0, setup.ServerWorld.CountEntities(new QueryDescription().WithAll<OrderedPing>()));
    }

    private static byte[] ClientMessage(ushort typeId, byte[] payload)
    {
        var message = new byte[RpcFormat.ClientHeaderSize + payload.Length];
        message[0] = RpcFormat.ClientRpcMessage;
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(1), typeId);
        payload.CopyTo(message, RpcFormat.ClientHeaderSize);
        return message;
    }

    private static byte[] Payload(ScoreAnnouncement announcement)
    {
        var buffer = new byte[64];
        var writer = new Traktor.Ecs.Net.Serialization.BitWriter(buffer);
        ScoreAnnouncementSerializer.Write(ref writer, in announcement);
        return buffer[..writer.BytesWritten];
    }
}
