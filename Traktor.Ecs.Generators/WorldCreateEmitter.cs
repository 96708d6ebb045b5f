using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary><c>World.Create(values…)</c> of one entity with 1–25 components (deferred inside a query).</summary>
internal sealed class WorldCreateEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "World.Create.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public sealed partial class World\n{");
        for (int n = 1; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string sets = Lines(n, i => $"            Deferred.Set(pending, in t{i});");
            string writes = Lines(n, i => $"        chunk.ElementAt<T{i}>(archetype.ColumnOf(Component<T{i}>.Id), row) = t{i};");
            string valueDocs = ParamDocs(n, i => $"The initial <typeparamref name=\"T{i}\"/>.");
            file.Block($$"""
                    /// <summary>Creates an entity with {{n}} component(s).</summary>
                {{TypeDocs(n)}}{{valueDocs}}    /// <exception cref="EcsException">A component type is named twice.</exception>
                    public Entity Create<{{t}}>({{InParams(n, withDefaults: true)}})
                    {
                        if (iterationDepth > 0)
                        {
                            var pending = DeferCreate(Signature<{{t}}>.Id, Signature<{{t}}>.Types);
                {{sets}}            return pending;
                        }

                        var archetype = ArchetypeForSignature(Signature<{{t}}>.Id, Signature<{{t}}>.Types);
                        var entity = NewEntity(archetype, out int chunkIndex, out int row);
                        ref var chunk = ref archetype.ChunkArray[chunkIndex];
                {{writes}}        return entity;
                    }
                """);
        }

        return file.Text("}").ToString();
    }
}
