namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch 2.x's static signatures, <c>Component&lt;T&gt;.Signature</c> and <c>Component&lt;T0, T1…&gt;.Signature</c>,
/// as Arch code passes them to the signature-taking calls (bulk create, capacity, archetype lookup).
/// </summary>
public class ArchComponentSignatureTests
{
    [Fact]
    public void A_component_signature_is_the_set_of_its_types_whatever_their_order()
    {
        var one = Component<Position>.Signature;
        var two = Component<Position, Velocity>.Signature;

        Assert.Equal(new Signature(Component<Position>.ComponentType), one);
        Assert.Equal(1, one.Count);
        Assert.Equal(two, Component<Velocity, Position>.Signature);
        Assert.NotEqual(two, Component<Position, Health>.Signature);
        Assert.Equal([Component<Position>.ComponentType, Component<Velocity>.ComponentType], two.Components.ToArray());
        Assert.Equal(6, Component<Position, Velocity, Health, Label, Mass, Team>.Signature.Count);
    }

    [Fact]
    public void Bulk_create_with_a_component_signature_makes_entities_of_exactly_those_types()
    {
        using var world = World.Create();
        var entities = new Entity[5];

        world.Create(entities.AsSpan(), Component<Position, Velocity>.Signature, 4);

        Assert.Equal(4, world.Size);
        Assert.Equal(default, entities[4]);                                // only `amount` slots are written
        Assert.True(world.TryGetArchetype(Component<Velocity, Position>.Signature, out var archetype));
        foreach (var entity in entities.Take(4))
        {
            Assert.True(world.IsAlive(entity));
            Assert.Same(archetype, world.GetArchetype(entity));
            Assert.Equal(default(Position), world.Get<Position>(entity));
        }

        Assert.Equal(4, archetype.EntityCount);
        Assert.False(world.TryGetArchetype(Component<Position>.Signature, out _));
    }
}
