using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// Destroying a shared entity (<c>SharedAuthority.Destroy</c>: the record, the tombstone, a destroy queued per link) allocates
/// nothing once warm. Before, it walked <c>PeerMesh.ConnectedPeers</c>, a LINQ chain that allocated its iterators every
/// time, and each tombstone was an object of its own.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class SharedDestroyAllocationTests
{
    [Fact]
    public void Destroying_shared_entities_allocates_nothing_once_warm()
    {
        // 64 entities at most, 16 tombstones a peer: the tombstone table is full after the warm-up, so what is measured recycles.
        using var mesh = new SharedMesh(3, new LinkConditions(), seed: 81, maxEntities: 64);
        Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 600));
        var owner = mesh.Peers[0];

        long Round()
        {
            var entities = new List<Entity>();
            for (int i = 0; i < 16; i++) entities.Add(owner.Shared.Spawn(new ShipBody { Position = new Vector2(i, 1) }));
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 16), 600), mesh.Describe());
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var entity in entities) Assert.True(owner.Shared.Destroy(entity));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(mesh.TickUntil(() => mesh.Peers.All(p => p.Shared.Count == 0), 600), mesh.Describe());
            return allocated;
        }

        for (int warm = 0; warm < 3; warm++) Round();
        Assert.Equal(0, Round());
        Assert.Equal(16, owner.Shared.Tombstones);
    }
}
