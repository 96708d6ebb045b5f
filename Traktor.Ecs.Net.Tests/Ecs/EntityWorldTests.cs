namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Every handle carries its world: extension methods find it, and other worlds refuse it.</summary>
public class EntityWorldTests
{
    [Fact]
    public void A_handle_from_another_world_is_refused_instead_of_reaching_the_entity_with_the_same_id()
    {
        using var home = World.Create();
        using var other = World.Create();
        var mine = home.Create(new Position(1, 1));
        var theirs = other.Create(new Position(2, 2));
        Assert.Equal(mine.Id, theirs.Id); // same slot in both worlds: exactly the case the world id guards
        Assert.NotEqual(mine.WorldId, theirs.WorldId);
        Assert.NotEqual(mine, theirs);

        Assert.False(home.IsAlive(theirs));
        Assert.False(home.TryGet<Position>(theirs, out _));
        var error = Assert.Throws<WrongWorldException>(() => home.Get<Position>(theirs));
        Assert.Equal(theirs, error.Entity);
        Assert.Equal(home.Id, error.WorldId);
        Assert.Throws<WrongWorldException>(() => home.Set(theirs, new Position(9, 9)));
        Assert.Throws<WrongWorldException>(() => home.Add(theirs, new Health()));
        Assert.Throws<WrongWorldException>(() => home.Remove<Position>(theirs));
        Assert.Throws<WrongWorldException>(() => home.Destroy(theirs));
        Assert.Throws<WrongWorldException>(() => home.Has<Position>(theirs));
        Assert.Throws<WrongWorldException>(() => home.Get(theirs, typeof(Position)));

        Assert.Equal(new Position(1, 1), home.Get<Position>(mine));
        Assert.Equal(new Position(2, 2), other.Get<Position>(theirs));
    }

    [Fact]
    public void Extension_methods_resolve_the_world_through_the_handle()
    {
        using var first = World.Create();
        using var second = World.Create();
        var a = first.Create(new Position(1, 2));
        var b = second.Create(new Position(3, 4), new Health(5, 6));

        Assert.True(a.IsAlive());
        Assert.Same(first, a.GetWorld());
        Assert.Same(second, b.GetWorld());
        Assert.Equal(new Position(1, 2), a.Get<Position>());
        Assert.True(b.Has<Health>());
        Assert.False(a.Has<Health>());

        a.Add(new Health(7, 8));
        a.Get<Health>().Value = 70;
        b.Set(new Position(30, 40));
        b.Remove<Health>();
        Assert.Equal(new Health(70, 8), first.Get<Health>(a));
        Assert.Equal(new Position(30, 40), second.Get<Position>(b));
        Assert.False(second.Has<Health>(b));
        Assert.True(a.TryGet<Health>(out var health) && health.Value == 70);
        Assert.Same(first.GetArchetype(a), a.GetArchetype());
    }

    [Fact]
    public void A_world_dropped_without_dispose_is_still_collected_and_its_handles_die()
    {
        var (weakWorld, handle) = CreateAndDrop();
        for (int i = 0; i < 5 && weakWorld.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weakWorld.IsAlive); // the registry that extension methods use holds worlds weakly
        Assert.False(handle.IsAlive());
        Assert.Throws<EntityNotAliveException>(() => handle.Get<Position>());
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (WeakReference World, Entity Handle) CreateAndDrop()
    {
        var world = World.Create();
        var handle = world.Create(new Position(1, 1));
        Assert.True(handle.IsAlive());
        return (new WeakReference(world), handle);
    }

    [Fact]
    public void EntityReference_tracks_one_entity_across_recycling()
    {
        using var world = World.Create();
        var entity = world.Create(new Position());
        var reference = entity.Reference();
        Assert.Equal(world.Reference(entity), reference);
        Assert.Equal(entity, (Entity)reference);
        Assert.True(reference.IsAlive(world));

        world.Destroy(entity);
        var recycled = world.Create(new Position());
        Assert.Equal(entity.Id, recycled.Id);
        Assert.NotEqual(reference, recycled.Reference());
        Assert.False(reference.IsAlive());
        Assert.False(reference.IsAlive(world));
        Assert.False(EntityReference.Null.IsAlive());
        Assert.False(new EntityReference().IsAlive(world));
        Assert.Throws<EntityNotAliveException>(() => world.Reference(entity));
    }

    [Fact]
    public void Handles_order_by_world_then_id_then_version_and_print_all_three()
    {
        using var world = World.Create();
        var a = world.Create();
        var b = world.Create();
        Assert.True(a.CompareTo(b) < 0);
        Assert.True(new Entity(1, world.Id + 1, 1).CompareTo(new Entity(9, world.Id, 1)) > 0);
        Assert.Equal(a, new Entity(a.Id, world.Id, a.Version)); // a hand-built handle with the version equals the issued one
        Assert.Contains($"World:{world.Id}", a.ToString());
        Assert.Equal(default, Entity.Null);
        Assert.False(Entity.Null.IsAlive());
    }
}
