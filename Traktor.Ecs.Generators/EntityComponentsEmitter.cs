using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary><c>EntityComponents&lt;T0…&gt;</c>: one chunk row, the entity and <c>ref</c> fields to 1–25 components.</summary>
internal sealed class EntityComponentsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "EntityComponents.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile();
        for (int n = 1; n <= Arity.Max; n++)
        {
            string fields = Lines(n, i => $"    /// <summary>The entity's <typeparamref name=\"T{i}\"/>, by reference.</summary>\n    public ref T{i} t{i};\n");
            string ctorParams = Join(n, ", ", i => $"ref T{i} t{i}");
            string assigns = Lines(n, i => $"        this.t{i} = ref t{i};");
            string paramDocs = ParamDocs(n, i => $"A reference to component {i}.");
            file.Block($$"""
                /// <summary>
                /// One chunk row: the entity and references to {{n}} of its components, returned by <c>Chunk.GetRow&lt;{{CompactTypeParams(n)}}&gt;(index)</c>
                /// (Arch's shape: <c>Entity</c>, then fields t0, t1…).
                /// </summary>
                {{TypeDocs(n, indent: "")}}public ref struct EntityComponents<{{TypeParams(n)}}>
                {
                    /// <summary>The row's entity, by read-only reference.</summary>
                    public ref readonly Entity Entity;

                {{fields}}    /// <summary>Bundles the references.</summary>
                    /// <param name="entity">A reference to the row's entity handle.</param>
                {{paramDocs}}    public EntityComponents(ref Entity entity, {{ctorParams}})
                    {
                        Entity = ref entity;
                {{assigns}}    }
                }
                """);
        }

        return file.ToString();
    }
}
