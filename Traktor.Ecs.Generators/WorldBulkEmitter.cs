using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The bulk forms on a query (<c>Add</c>, <c>Set</c>, <c>Remove</c> with <c>in QueryDescription</c>) for 2–25 types.</summary>
internal sealed class WorldBulkEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "World.Bulk.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public sealed partial class World\n{");
        for (int n = 2; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string columns = Lines(n, i => $"            int c{i} = RequireQueryColumn<T{i}>(archetype);");
            string fills = Lines(n, i => $"                chunk.MarkChanged(c{i}, version);\n                new Span<T{i}>((T{i}[])chunk.Columns[c{i}], 0, chunk.Count).Fill(t{i});");
            string addDocs = ParamDocs(n, i => $"The initial value of component {i}.");
            string setDocs = ParamDocs(n, i => $"The value of component {i}.");
            file.Block($$"""
                    /// <summary>Adds {{n}} components, in one move each, to every entity matching <paramref name="description"/>.</summary>
                {{TypeDocs(n, "A component type none of the matching entities has.")}}    /// <param name="description">What to match (usually <c>WithNone</c> of these types).</param>
                {{addDocs}}    /// <exception cref="DuplicateComponentException">A matching entity already has one of them.</exception>
                    /// <exception cref="StructuralChangeDuringQueryException">A query is iterating.</exception>
                    public void Add<{{t}}>(in QueryDescription description, {{InParams(n, withDefaults: true)}})
                    {
                        ThrowIfIterating(Entity.Null, "Add(query)", typeof(T0));
                        var matched = Snapshot(in description, out int count);
                        try
                        {
                            foreach (var entity in matched.AsSpan(0, count))
                            {
                                Add(entity, {{InArgs(n)}});
                            }
                        }
                        finally
                        {
                            ArrayPool<Entity>.Shared.Return(matched);
                        }
                    }

                    /// <summary>Overwrites {{n}} components on every entity matching <paramref name="description"/>.</summary>
                {{TypeDocs(n, "A component every matching archetype has.")}}    /// <param name="description">What to match.</param>
                {{setDocs}}    /// <exception cref="ComponentNotFoundException">A matching archetype lacks one of them.</exception>
                    public void Set<{{t}}>(in QueryDescription description, {{InParams(n, withDefaults: true)}})
                    {
                        uint version = ChangeVersion;
                        foreach (var archetype in Query(in description).Archetypes)
                        {
                {{columns}}            for (int c = 0; c < archetype.ChunkCount; c++)
                            {
                                ref var chunk = ref archetype.ChunkArray[c];
                {{fills}}            }
                        }
                    }

                    /// <summary>Removes {{n}} components, in one move each, from every entity matching <paramref name="description"/>.</summary>
                {{TypeDocs(n, "A component type every matching entity has.")}}    /// <param name="description">What to match (usually <c>WithAll</c> of these types).</param>
                    /// <exception cref="ComponentNotFoundException">A matching entity lacks one of them.</exception>
                    /// <exception cref="StructuralChangeDuringQueryException">A query is iterating.</exception>
                    public void Remove<{{t}}>(in QueryDescription description)
                    {
                        ThrowIfIterating(Entity.Null, "Remove(query)", typeof(T0));
                        var matched = Snapshot(in description, out int count);
                        try
                        {
                            foreach (var entity in matched.AsSpan(0, count))
                            {
                                Remove<{{t}}>(entity);
                            }
                        }
                        finally
                        {
                            ArrayPool<Entity>.Shared.Return(matched);
                        }
                    }
                """);
        }

        return file.Text("}").ToString("\nusing System.Buffers;\n");
    }
}
