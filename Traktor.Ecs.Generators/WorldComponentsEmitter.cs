using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary><c>World.Get</c>, <c>Has</c> and <c>Set</c> of 2–25 components of one entity (one type is hand-written).</summary>
internal sealed class WorldComponentsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "World.Components.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public sealed partial class World\n{");
        for (int n = 2; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string getColumns = Lines(n, i => $"        int c{i} = RequireColumn<T{i}>(archetype, entity, \"Get\");");
            string marks = Lines(n, i => $"        chunk.MarkChanged(c{i}, ChangeVersion);");
            string refs = Join(n, ", ", i => $"ref chunk.ElementAt<T{i}>(c{i}, slot.Row)");
            string has = Join(n, " && ", i => $"archetype.ColumnOf(Component<T{i}>.Id) >= 0");
            string deferredSets = Lines(n, i => $"            Deferred.Set(entity, in t{i});");
            string setColumns = Lines(n, i => $"        int c{i} = RequireColumn<T{i}>(archetype, entity, \"Set\");");
            string sets = Lines(n, i => $"        chunk.MarkChanged(c{i}, ChangeVersion);\n        chunk.ElementAt<T{i}>(c{i}, slot.Row) = t{i};");
            string hadDocs = TypeDocs(n, "A component the entity has.");
            string valueDocs = ParamDocs(n, i => $"The new value of component {i}.");
            file.Block($$"""
                    /// <summary>References to {{n}} of the entity's components. Counts as a write of each.</summary>
                {{hadDocs}}    /// <param name="entity">A live entity.</param>
                    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
                    /// <exception cref="ComponentNotFoundException">The entity lacks one of the components.</exception>
                    public Components<{{t}}> Get<{{t}}>(Entity entity)
                    {
                        ref var slot = ref AliveSlot(entity, "Get");
                        var archetype = slot.Archetype!;
                {{getColumns}}        ref var chunk = ref archetype.ChunkArray[slot.Chunk];
                {{marks}}        return new Components<{{t}}>({{refs}});
                    }

                    /// <summary>True when the live entity has all {{n}} components.</summary>
                {{TypeDocs(n)}}    /// <param name="entity">A live entity.</param>
                    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
                    public bool Has<{{t}}>(Entity entity)
                    {
                        var archetype = AliveSlot(entity, "Has").Archetype!;
                        return {{has}};
                    }

                    /// <summary>Overwrites {{n}} of the entity's components.</summary>
                {{hadDocs}}    /// <param name="entity">A live entity.</param>
                {{valueDocs}}    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
                    /// <exception cref="ComponentNotFoundException">The entity lacks one of the components.</exception>
                    public void Set<{{t}}>(Entity entity, {{InParams(n)}})
                    {
                        if (iterationDepth > 0 && IsPending(entity))
                        {
                {{deferredSets}}            return;
                        }

                        ref var slot = ref AliveSlot(entity, "Set");
                        var archetype = slot.Archetype!;
                {{setColumns}}        ref var chunk = ref archetype.ChunkArray[slot.Chunk];
                {{sets}}    }
                """);
        }

        return file.Text("}").ToString();
    }
}
