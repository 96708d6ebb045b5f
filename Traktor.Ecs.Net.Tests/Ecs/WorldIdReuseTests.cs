namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// World ids are handed out as in Arch (from 0, lowest free first, a destroyed world's id goes to the next
/// world), yet handles kept from a destroyed world never reach the world that took over its id.
/// Serial: other tests creating worlds at the same time would take the freed id first.
/// </summary>
[Collection(Name)]
public class WorldIdReuseTests
{
    public const string Name = nameof(WorldIdReuseTests);

    [Fact]
    public void A_destroyed_worlds_id_goes_to_the_next_world_but_its_handles_are_refused_there()
    {
        var old = World.Create();
        var handle = old.Create(new Position(1, 1));
        var reference = old.Reference(handle);
        Assert.True(reference.IsAlive());
        World.Destroy(old);

        // Each new world takes the lowest free id, so within a few worlds one takes the destroyed world's id.
        var worlds = new List<World>();
        try
        {
            World heir;
            do
            {
                heir = World.Create();
                worlds.Add(heir);
            }
            while (heir.Id != handle.WorldId);

            var occupant = heir.Create(new Position(5, 5));
            Assert.Equal((handle.Id, handle.Version), (occupant.Id, occupant.Version)); // same id, same version
            Assert.Equal(handle.WorldId, occupant.WorldId);

            Assert.False(heir.IsAlive(handle));
            Assert.False(handle.IsAlive());
            Assert.False(reference.IsAlive());
            Assert.False(handle.TryGet<Position>(out _));
            var error = Assert.Throws<WrongWorldException>(() => heir.Get<Position>(handle));
            Assert.Contains("destroyed", error.Message);
            Assert.Throws<EntityNotAliveException>(() => handle.Get<Position>());

            // A handle built by hand names the world by id only, as in Arch: it reaches the current world.
            var byHand = new Entity(handle.Id, handle.WorldId);
            Assert.Equal(new Position(5, 5), heir.Get<Position>(byHand));
            Assert.Equal(new Position(5, 5), byHand.Get<Position>());
        }
        finally
        {
            worlds.ForEach(w => w.Dispose());
        }
    }

    [Fact]
    public void The_lowest_free_world_id_is_taken_first()
    {
        var a = World.Create();
        var b = World.Create();
        var c = World.Create();
        int lower = Math.Min(a.Id, b.Id);
        World.Destroy(a);
        World.Destroy(b);
        using var next = World.Create();
        Assert.True(next.Id <= lower, $"world {next.Id} created while id {lower} was free");
        c.Dispose();
        Assert.True(next.Id >= 0);
    }
}

[CollectionDefinition(WorldIdReuseTests.Name, DisableParallelization = true)]
public class WorldIdReuseCollection
{
}
