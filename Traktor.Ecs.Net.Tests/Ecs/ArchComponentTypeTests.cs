namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Arch 2.x's <c>ComponentType</c> as Arch code uses it: converted from and back to a <see cref="Type"/> without a
/// cast, and asked whether the component is managed.
/// </summary>
public class ArchComponentTypeTests
{
    private static string NameOf(Type type) => type.Name;

    [Fact]
    public void A_component_type_converts_back_to_its_clr_type_where_a_type_is_asked_for()
    {
        ComponentType position = typeof(Position);
        Type back = position;

        Assert.Same(typeof(Position), back);
        Assert.Equal("Velocity", NameOf(Component<Velocity>.ComponentType));
        Type[] types = [.. new ComponentType[] { typeof(Health), typeof(Label) }.Select(type => (Type)type)];
        Assert.Equal([typeof(Health), typeof(Label)], types);
    }

    [Fact]
    public void A_component_type_is_managed_when_it_is_a_class_or_holds_references()
    {
        Assert.False(Component<Position>.ComponentType.IsManaged);
        Assert.False(Component<Health>.ComponentType.IsManaged);
        Assert.True(Component<Label>.ComponentType.IsManaged);                // a struct with a string field
        Assert.True(((ComponentType)typeof(List<int>)).IsManaged);            // a class
    }

    [Fact]
    public void A_component_type_compares_with_a_clr_type_without_ambiguity()
    {
        var position = Component<Position>.ComponentType;

        Assert.True(position == typeof(Position));
        Assert.True(typeof(Position) == position);
        Assert.False(position != typeof(Position));
        Assert.True(position != typeof(Velocity));
        Assert.True(typeof(Velocity) != position);
        Assert.False(position == (Type?)null);
        Assert.True(position == Component<Position>.ComponentType);
    }
}
