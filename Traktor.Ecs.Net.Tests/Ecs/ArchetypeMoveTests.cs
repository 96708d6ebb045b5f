namespace Traktor.Ecs.Net.Tests.Ecs;

public class ArchetypeMoveTests
{
    private static Position P(int i) => new(i, i * 0.5f);

    private static Label L(int i) => new("label-" + i, i);

    private static Velocity V(int i) => new(i * 2, -i);

    private static Health H(int i) => new(i, i + 1000);

    [Fact]
    public void Add_and_remove_across_many_chunks_keep_every_value()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 2000).Select(i => world.Create(P(i), L(i))).ToArray();
        var start = world.GetArchetype(entities[0]);
        Assert.True(start.ChunkCount > 2, $"expected several chunks, got {start.ChunkCount} of {start.MinChunkCapacity}");

        for (int i = 0; i < entities.Length; i++)
        {
            if (i % 2 == 0) world.Add(entities[i], V(i));
            if (i % 3 == 0) world.Add(entities[i], H(i));
            if (i % 5 == 0) world.Remove<Position>(entities[i]);
            if (i % 7 == 0) world.Remove<Label>(entities[i]);
        }

        for (int i = 0; i < entities.Length; i++)
        {
            var e = entities[i];
            Assert.Equal(i % 5 != 0, world.TryGet<Position>(e, out var p));
            if (i % 5 != 0) Assert.Equal(P(i), p);
            Assert.Equal(i % 7 != 0, world.TryGet<Label>(e, out var l));
            if (i % 7 != 0) Assert.Equal(L(i), l);
            Assert.Equal(i % 2 == 0, world.TryGet<Velocity>(e, out var v));
            if (i % 2 == 0) Assert.Equal(V(i), v);
            Assert.Equal(i % 3 == 0, world.TryGet<Health>(e, out var h));
            if (i % 3 == 0) Assert.Equal(H(i), h);
        }

        Assert.Equal(2000, world.Size);
        AssertDense(world);
    }

    [Fact]
    public void Adding_then_removing_returns_to_the_same_archetype()
    {
        using var world = World.Create();
        var e = world.Create(P(1), L(1));
        var original = world.GetArchetype(e);
        world.Add(e, V(1));
        var widened = world.GetArchetype(e);
        world.Remove<Velocity>(e);

        Assert.NotSame(original, widened);
        Assert.Same(original, world.GetArchetype(e));
        Assert.Equal(P(1), world.Get<Position>(e));
        Assert.Equal(L(1), world.Get<Label>(e));

        // The same archetype is found by the bitset whatever the order of the adds.
        var other = world.Create(L(2));
        world.Add(other, P(2));
        Assert.Same(original, world.GetArchetype(other));
    }

    [Fact]
    public void Swap_remove_keeps_the_rest_intact_and_chunks_dense()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 100).Select(i => world.Create(new Bulky(i), L(i))).ToArray();
        var archetype = world.GetArchetype(entities[0]);
        Assert.True(archetype.ChunkCount >= 5, $"Bulky should spread 100 entities over several chunks, got {archetype.ChunkCount}");

        // Holes at the start, in the middle of chunks, at chunk ends and the very last entity.
        var doomed = new HashSet<int> { 0, 1, 5, archetype.MinChunkCapacity - 1, archetype.MinChunkCapacity, 50, 51, 52, 98, 99 };
        foreach (var i in doomed)
        {
            world.Destroy(entities[i]);
        }

        for (int i = 0; i < entities.Length; i++)
        {
            Assert.Equal(!doomed.Contains(i), world.IsAlive(entities[i]));
            if (!doomed.Contains(i))
            {
                Assert.Equal(new Bulky(i), world.Get<Bulky>(entities[i]));
                Assert.Equal(L(i), world.Get<Label>(entities[i]));
            }
        }

        Assert.Equal(90, archetype.EntityCount);
        AssertDense(world);
    }

    [Fact]
    public void Removing_a_component_from_a_chunk_in_the_middle_keeps_neighbours()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 60).Select(i => world.Create(new Bulky(i), H(i))).ToArray();
        for (int i = 10; i < 60; i += 4)
        {
            world.Remove<Bulky>(entities[i]);
        }

        for (int i = 0; i < 60; i++)
        {
            Assert.Equal(H(i), world.Get<Health>(entities[i]));
            bool removed = i >= 10 && (i - 10) % 4 == 0;
            Assert.Equal(!removed, world.Has<Bulky>(entities[i]));
            if (!removed)
            {
                Assert.Equal(new Bulky(i), world.Get<Bulky>(entities[i]));
            }
        }

        AssertDense(world);
    }

    [Fact]
    public void Vacated_slots_release_their_references()
    {
        using var world = World.Create();
        var a = world.Create(L(1));
        var b = world.Create(L(2));
        var archetype = world.GetArchetype(a);
        int column = archetype.ColumnOf(Component<Label>.Id);

        world.Destroy(a); // b moves into row 0; row 1 must not keep "label-2" alive
        var labels = (Label[])archetype.GetChunk(0).Columns[column];
        Assert.Equal(L(2), labels[0]);
        Assert.Null(labels[1].Text);

        world.Remove<Label>(b); // b moves out; row 0 must be cleared too
        Assert.Null(labels[0].Text);
        Assert.Equal(0, archetype.EntityCount);
    }

    [Fact]
    public void Set_overwrites_and_Get_returns_a_writable_reference()
    {
        using var world = World.Create();
        var e = world.Create(P(1), H(1));
        world.Set(e, P(7));
        world.Get<Health>(e).Value = 42;

        Assert.Equal(P(7), world.Get<Position>(e));
        Assert.Equal(new Health(42, 1001), world.Get<Health>(e));
    }

    [Fact]
    public void Chunks_double_from_the_first_capacity_up_to_the_maximum_and_are_reused()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 300).Select(i => world.Create(new Bulky(i))).ToList();
        var archetype = world.GetArchetype(entities[0]);
        var capacities = Enumerable.Range(0, archetype.ChunkCount).Select(c => archetype.GetChunk(c).Capacity).ToList();

        Assert.Equal(archetype.MinChunkCapacity, capacities[0]);
        for (int c = 1; c < capacities.Count; c++)
        {
            Assert.Equal(Math.Min(archetype.MaxChunkCapacity, capacities[c - 1] * 2), capacities[c]);
        }

        Assert.Equal(archetype.MaxChunkCapacity, capacities[^1]);
        Assert.True(archetype.MaxChunkCapacity > archetype.MinChunkCapacity);

        // Empty the archetype from the front (every destroy moves the last entity), then refill it.
        foreach (var e in entities)
        {
            world.Destroy(e);
        }

        // The first chunk stays in use, empty (as in Arch), so the next entity needs no chunk switch.
        Assert.Equal(1, archetype.ChunkCount);
        Assert.Equal(0, archetype.GetChunk(0).Count);
        var again = Enumerable.Range(0, 300).Select(i => world.Create(new Bulky(-i))).ToList();
        Assert.Equal(capacities, Enumerable.Range(0, archetype.ChunkCount).Select(c => archetype.GetChunk(c).Capacity));
        for (int i = 0; i < again.Count; i++)
        {
            Assert.Equal(new Bulky(-i), world.Get<Bulky>(again[i]));
        }

        AssertDense(world);
    }

    /// <summary>Only an archetype's last chunk may be partly full, and every slot maps back to its entity.</summary>
    private static void AssertDense(World world)
    {
        foreach (var archetype in world.Archetypes)
        {
            int total = 0;
            for (int c = 0; c < archetype.ChunkCount; c++)
            {
                ref var chunk = ref archetype.GetChunk(c);
                Assert.True(chunk.Count > 0);
                if (c < archetype.ChunkCount - 1)
                {
                    Assert.Equal(chunk.Capacity, chunk.Count);
                }

                foreach (var e in chunk.Entities)
                {
                    Assert.True(world.IsAlive(e));
                    Assert.Same(archetype, world.GetArchetype(e));
                }

                total += chunk.Count;
            }

            Assert.Equal(archetype.EntityCount, total);
        }
    }
}
