using System.Buffers.Binary;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>The client's hold-back of RPCs whose snapshot has not arrived: bounded, counted, ordered per channel.</summary>
public class RpcHoldTests
{
    [Fact]
    public void AnRpcWaitingForASnapshotThatNeverComesIsDeliveredAfterTheHoldTimeAndCounted()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { MaxHoldTime = TimeSpan.FromMilliseconds(500) });
        var peer = setup.Connect(1, seed: 2);
        int tick = 0;
        var ordered = new List<(uint Index, int Tick)>();
        var unreliable = new List<(uint Index, int Tick)>();
        peer.Group.Add(
            new RpcRecorder<OrderedPing>(peer.World, (ping, _) => ordered.Add((ping.Index, tick))),
            new RpcRecorder<UnreliablePing>(peer.World, (ping, _) => unreliable.Add((ping.Index, tick))));
        var connection = setup.ConnectionOf(1);

        // A server RPC stamped with a tick the client will not see for a long time, then ordinary traffic.
        setup.Server.Transport.Send(connection, ChannelKind.ReliableOrdered, ServerMessage(new OrderedPing { Index = 1 }, stamp: 1_000_000));
        setup.ServerWorld.SendRpc(new OrderedPing { Index = 2 }, RpcTarget.AllClients);
        setup.ServerWorld.SendRpc(new UnreliablePing { Index = 3 }, RpcTarget.AllClients);
        for (tick = 1; tick <= 60; tick++)
        {
            setup.Tick();
        }

        Assert.Equal([1u, 2u], ordered.Select(o => o.Index));       // the later ordered RPC waited behind the held one
        Assert.InRange(ordered[0].Tick, 29, 34);                    // released after 0.5 s
        Assert.Equal(ordered[0].Tick, ordered[1].Tick);
        Assert.Equal(3u, Assert.Single(unreliable).Index);
        Assert.InRange(unreliable[0].Tick, 1, 3);                   // the unreliable one did not wait
        Assert.Equal(1, peer.Rpcs.Counters.ReleasedEarly);
        Assert.Equal(0, peer.Rpcs.HeldCount);
    }

    [Fact]
    public void TooManyHeldRpcsReleaseTheOldestAndMalformedOnesAreDropped()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { MaxHeldRpcs = 10 });
        var peer = setup.Connect(1, seed: 2);
        var ordered = new RpcRecorder<OrderedPing>(peer.World);
        peer.Group.Add(ordered);
        var connection = setup.ConnectionOf(1);

        for (uint i = 0; i < 25; i++)
        {
            setup.Server.Transport.Send(connection, ChannelKind.ReliableOrdered, ServerMessage(new OrderedPing { Index = i }, stamp: 1_000_000));
        }

        setup.Tick(3);
        var truncated = new byte[RpcFormat.ServerHeaderSize + 1]; // stamp 0: ready at once, and an UnreliablePing needs more than a byte
        truncated[0] = RpcFormat.ServerRpcMessage;
        BinaryPrimitives.WriteUInt16LittleEndian(truncated.AsSpan(5), RpcWorld.Rpcs.Get<UnreliablePing>().Id);
        setup.Server.Transport.Send(connection, ChannelKind.Unreliable, truncated);
        setup.Server.Transport.Send(connection, ChannelKind.ReliableUnordered, [RpcFormat.ClientRpcMessage, 0, 0]);  // wrong direction
        setup.Tick(5);

        Assert.Equal(Enumerable.Range(0, 15).Select(i => (uint)i), ordered.Received.Select(r => r.Rpc.Index)); // 10 still held
        Assert.Equal(10, peer.Rpcs.HeldCount);
        Assert.Equal(15, peer.Rpcs.Counters.ReleasedEarly);
        Assert.Equal(1, peer.Rpcs.Counters.DroppedFor(RpcDropReason.Malformed));
        Assert.Equal(1, peer.Rpcs.Counters.DroppedFor(RpcDropReason.WrongDirection));
    }

    private static byte[] ServerMessage(OrderedPing ping, uint stamp)
    {
        var buffer = new byte[64];
        buffer[0] = RpcFormat.ServerRpcMessage;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(1), stamp);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(5), RpcWorld.Rpcs.Get<OrderedPing>().Id);
        var writer = new BitWriter(buffer.AsSpan(RpcFormat.ServerHeaderSize));
        OrderedPingSerializer.Write(ref writer, in ping);
        return buffer[..(RpcFormat.ServerHeaderSize + writer.BytesWritten)];
    }
}
