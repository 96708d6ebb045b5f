using System.Buffers.Binary;
using System.Numerics;
using CsCheck;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using Shared = Traktor.Ecs.Net.SharedAuthority<Traktor.Ecs.Net.Tests.Prediction.ShipBody, Traktor.Ecs.Net.Tests.Prediction.ShipBodySnapshot, Traktor.Ecs.Net.Tests.Prediction.ShipBodySerializer>;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A hostile but authenticated peer of a shared-authority mesh sends random messages of the three kinds shared authority
/// reads (write 0x80, relayed claim 0x81, destroy 0x82), with the right component type or another, of random lengths
/// (around each kind's size, and far past it), with random claims, owners and ids. The victim never throws, holds no more
/// of the hostile peer's entities than its share, cuts the peer only with <see cref="DisconnectReason.ProtocolViolation"/>,
/// and plays on.
/// </summary>
public sealed class SharedAuthorityRandomMessageTests
{
    private static readonly byte[] Kinds = [Shared.WriteMessage, Shared.ClaimMessage, Shared.DestroyMessage];

    /// <summary>One message: a kind, the right type id or not, then random bytes of a length near the sizes that matter.</summary>
    private static readonly Gen<byte[]> Message =
        Gen.Select(Gen.OneOf(Kinds), Gen.Bool, Gen.OneOf(Gen.Int[0, 40], Gen.Int[Shared.ClaimBytes - 3, Shared.HeaderBytes + 20], Gen.Int[0, 3000]), Gen.Int,
            (kind, rightType, length, seed) =>
            {
                var message = new byte[length];
                new Random(seed).NextBytes(message);
                if (length > 0) message[0] = kind;
                if (rightType && length >= 3) BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(1), ShipBodySerializer.NetworkTypeId);
                // Often the claimant is the sender itself (peer 2) or the victim (peer 1), as a forger would try.
                if (length >= Shared.ClaimBytes && (seed & 3) != 0) BinaryPrimitives.WriteUInt64LittleEndian(message.AsSpan(Shared.ClaimBytes - 8), (ulong)(seed & 1) + 1);
                return message;
            });

    [Fact]
    public void Random_messages_from_a_linked_peer_never_crash_the_victim_nor_grow_it_past_the_peers_share()
    {
        Gen.Select(Message.Array[1, 40], Gen.Int[0, 1000]).Sample((messages, seed) =>
        {
            using var mesh = new SharedMesh(2, new LinkConditions(), seed);
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 1), 600));
            var (victim, hostile) = (mesh.Peers[0], mesh.Peers[1]);
            victim.Shared.Spawn(new ShipBody { Position = new Vector2(1, 1) });
            Assert.True(mesh.TickUntil(mesh.Converged, 600), mesh.Describe());

            foreach (var message in messages) hostile.Mesh.Broadcast(ChannelKind.ReliableOrdered, message);
            mesh.TickUntil(() => false, 60);

            Assert.True(victim.Shared.Count <= 1 + victim.Shared.MaxEntitiesPerPeer);
            Assert.True(victim.Shared.PeersCut <= 1);
            victim.Shared.Spawn(new ShipBody { Position = new Vector2(2, 2) }); // the victim plays on
            mesh.TickUntil(() => false, 10);
            if (victim.Shared.PeersCut == 1)
            {
                Assert.True(mesh.TickUntil(() => mesh.Links[(2, 1)].State == ClientState.Disconnected, 600));
                Assert.Equal(DisconnectReason.ProtocolViolation, mesh.Links[(2, 1)].LastDisconnectReason);
            }
            else
            {
                Assert.Contains(2UL, victim.Mesh.ConnectedPeers);
            }
        }, iter: 80, threads: 1, print: sample => $"seed {sample.Item2}: " + string.Join(" | ", sample.Item1.Select(Convert.ToHexString)));
    }
}
