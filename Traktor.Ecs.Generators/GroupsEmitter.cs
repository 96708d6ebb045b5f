using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>
/// Arch 2.x's <c>Group&lt;T0…&gt;.Types</c> and <c>.Hash</c> for 2–25 types. One type is not emitted: <c>Group&lt;T0&gt;</c>
/// would collide with the system group <c>Traktor.Ecs.Systems.Group&lt;T&gt;</c>; Systems/Group.ComponentTypes.cs covers it.
/// </summary>
internal sealed class GroupsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "Group.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile();
        for (int n = 2; n <= Arity.Max; n++)
        {
            file.Block($$"""
                /// <summary>
                /// The component types of {{n}} type arguments as an array, as Arch 2.x's <c>Group&lt;{{CompactTypeParams(n)}}&gt;</c>:
                /// <c>world.Create(Group&lt;…&gt;.Types)</c>, <c>new QueryDescription(all: Group&lt;…&gt;.Types)</c>.
                /// </summary>
                {{TypeDocs(n, indent: "")}}public static class Group<{{TypeParams(n)}}>
                {
                    /// <summary>The component types, in type-argument order. One array shared by every caller: do not write to it (the world copies what it is given, so a write changes only later reads of this array).</summary>
                    public static readonly ComponentType[] Types = [{{ComponentTypes(n)}}];

                    /// <summary>The hash of the set, whatever the order (Arch's <c>Hash</c>): equal to <see cref="Component.GetHashCode(ReadOnlySpan{ComponentType})"/> of <see cref="Types"/> and to <c>Component&lt;…&gt;.Hash</c>.</summary>
                    public static readonly int Hash = Component.GetHashCode(Types);
                }
                """);
        }

        return file.ToString();
    }
}
