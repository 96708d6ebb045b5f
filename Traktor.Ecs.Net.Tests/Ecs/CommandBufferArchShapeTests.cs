namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>The CommandBuffer members Arch code uses: Create(types), in-entity commands, Dispose, playback options.</summary>
public class CommandBufferArchShapeTests
{
    [Fact]
    public void Create_with_types_plays_back_entities_with_those_components_at_default()
    {
        using var world = World.Create();
        var stale = world.Create(new Position(9, 9), new Health(9, 9));
        world.Destroy(stale); // its row is reused by the buffered create

        using var buffer = new CommandBuffer();
        var placeholder = buffer.Create([typeof(Position), typeof(Health)]);
        var fromList = buffer.Create(new List<ComponentType> { typeof(Mass) });
        buffer.Set(in placeholder, new Position(1, 2));
        buffer.Add(in placeholder, new Team(3));
        buffer.Remove<Health>(in placeholder);
        buffer.Add<Health>(in fromList);
        buffer.Playback(world);

        var created = new List<Entity>();
        world.GetEntities(new QueryDescription().WithAll<Position, Team>(), created);
        var entity = Assert.Single(created);
        Assert.Equal(new Position(1, 2), world.Get<Position>(entity));
        Assert.Equal(new Team(3), world.Get<Team>(entity));
        Assert.False(world.Has<Health>(entity));
        Assert.Equal(1, world.CountEntities(new QueryDescription().WithAll<Mass, Health>()));
        Assert.Equal(0, buffer.Size);
    }

    [Fact]
    public void A_buffer_bound_to_a_world_plays_back_without_an_argument()
    {
        using var world = World.Create();
        var entity = world.Create(new Position(), new Health());
        using var buffer = new CommandBuffer(world);
        buffer.Set(in entity, new Position(4, 5));
        buffer.Remove<Health>(entity);
        buffer.Playback();
        Assert.Equal(new Position(4, 5), world.Get<Position>(entity));
        Assert.False(world.Has<Health>(entity));
        Assert.Same(world, buffer.World);
        Assert.Throws<InvalidOperationException>(() => new CommandBuffer().Playback());
    }

    [Fact]
    public void Playback_without_dispose_keeps_the_recording_for_another_world()
    {
        using var first = World.Create();
        using var second = World.Create();
        var buffer = new CommandBuffer();
        var placeholder = buffer.Create([typeof(Position)]);
        buffer.Set(in placeholder, new Position(7, 7));

        buffer.Playback(first, dispose: false);
        Assert.Equal(2, buffer.Size);
        buffer.Playback(second);
        Assert.Equal(0, buffer.Size);

        foreach (var world in new[] { first, second })
        {
            world.Query(new QueryDescription().WithAll<Position>(), (ref Position p) => Assert.Equal(new Position(7, 7), p));
            Assert.Equal(1, world.Size);
        }

        buffer.Create();
        buffer.Dispose();
        Assert.Equal(0, buffer.Size);
    }
}
