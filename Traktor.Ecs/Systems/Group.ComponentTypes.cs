namespace Traktor.Ecs.Systems;

// Arch 2.x's one-type Group<T0>.Types and .Hash. The name Group with one type argument is the system group here (as
// Arch.Extended's Arch.System.Group<T>), so a second one-argument Group in Traktor.Ecs would make every Group<float>
// ambiguous; two to 25 types are Traktor.Ecs.Group<T0, T1…>. These statics are about the type T only, never about a
// group instance, and are built on first read: a system group of float registers no component type.
public partial class Group<T>
{
    /// <summary>
    /// <typeparamref name="T"/>'s component type alone in an array, as Arch 2.x's one-type <c>Group&lt;T0&gt;.Types</c>
    /// (<c>world.Create(Group&lt;Position&gt;.Types)</c>): unrelated to any system group instance. One array shared by
    /// every caller: do not write to it.
    /// </summary>
    public static ComponentType[] Types => OfOneType.Types;

    /// <summary>The hash of that one-type set (Arch's <c>Group&lt;T0&gt;.Hash</c>): <c>Component.GetHashCode(Types)</c>.</summary>
    public static int Hash => OfOneType.Hash;

    private static class OfOneType
    {
        public static readonly ComponentType[] Types = [Component<T>.ComponentType];
        public static readonly int Hash = Component.GetHashCode(Types);
    }
}
