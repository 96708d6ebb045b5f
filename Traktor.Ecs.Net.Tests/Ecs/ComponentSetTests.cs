namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>Entities created from a reusable <see cref="ComponentSet"/>.</summary>
public class ComponentSetTests
{
    private readonly record struct First(int Value);

    private readonly record struct Second(float Value);

    [Fact]
    public void CreatesEntitiesWithDefaultsOfEveryTypeAndRejectsDuplicates()
    {
        using var world = World.Create();
        var set = new ComponentSet(Component<First>.ComponentType, Component<Second>.ComponentType);
        var entity = world.Create(set);
        Assert.True(world.Has<First>(entity));
        Assert.True(world.Has<Second>(entity));
        Assert.Equal(new First(0), world.Get<First>(entity));
        Assert.Equal(world.GetArchetype(entity), world.GetArchetype(world.Create(set)));
        Assert.Throws<EcsException>(() => new ComponentSet(Component<First>.ComponentType, Component<First>.ComponentType));
    }
}
