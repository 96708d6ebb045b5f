using static Traktor.Ecs.Generators.ArityText;
using static Traktor.Ecs.Generators.ChunkText;

namespace Traktor.Ecs.Generators;

/// <summary>
/// The row accessors of <c>Chunk</c>: <c>GetRow</c> for 1–25 types, and <c>Has</c>/<c>Get</c>/<c>Set</c> for 2–25 (one
/// type is hand-written in Chunk.cs).
/// </summary>
internal sealed class ChunkRowsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "Chunk.Rows.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public partial struct Chunk\n{");
        for (int n = 1; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string marks = MarkChanged(n);
            string refs = Join(n, ", ", i => $"ref ElementAt<T{i}>(c{i}, index)");
            string componentDocs = TypeDocs(n, "A component of this chunk's archetype.");
            file.Block($$"""
                    /// <summary>The entity at <paramref name="index"/> and references to its {{n}} component{{(n > 1 ? "s" : "")}} (Arch's <c>Chunk.GetRow</c>); marks the columns changed.</summary>
                {{componentDocs}}    /// <param name="index">A row below <see cref="Count"/>.</param>
                    /// <returns>The row's entity and component references.</returns>
                    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a live row.</exception>
                    /// <exception cref="ComponentNotFoundException">The archetype lacks one of the components.</exception>
                    public readonly EntityComponents<{{t}}> GetRow<{{t}}>(int index)
                    {
                        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
                {{RequireColumns(n, "Chunk.GetRow")}}        uint version = archetype.World.ChangeVersion;
                {{marks}}        return new EntityComponents<{{t}}>(ref entities[index], {{refs}});
                    }
                """);
            if (n == 1)
            {
                continue;
            }

            string hases = Join(n, " && ", i => $"archetype.ColumnOf(Component<T{i}>.Id) >= 0");
            string sets = Lines(n, i => $"        ElementAt<T{i}>(c{i}, index) = t{i};");
            string paramDocs = ParamDocs(n, i => $"The value of component {i}.");
            // The blank line before the closing quotes is the script's: it left two blank lines before the next GetRow.
            file.Block($$"""
                    /// <summary>True when this chunk's archetype has all {{n}} components.</summary>
                {{TypeDocs(n)}}    /// <returns>Whether every component is stored here.</returns>
                    public readonly bool Has<{{t}}>() => {{hases}};

                    /// <summary>References to the {{n}} components of the entity at <paramref name="index"/>; marks the columns changed.</summary>
                {{componentDocs}}    /// <param name="index">A row below <see cref="Count"/>.</param>
                    /// <returns>The component references (fields t0, t1…).</returns>
                    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a live row.</exception>
                    /// <exception cref="ComponentNotFoundException">The archetype lacks one of the components.</exception>
                    public readonly Components<{{t}}> Get<{{t}}>(int index)
                    {
                        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
                {{RequireColumns(n, "Chunk.Get")}}        uint version = archetype.World.ChangeVersion;
                {{marks}}        return new Components<{{t}}>({{refs}});
                    }

                    /// <summary>Writes {{n}} components of the entity at <paramref name="index"/>; marks the columns changed.</summary>
                {{componentDocs}}    /// <param name="index">A row below <see cref="Count"/>.</param>
                {{paramDocs}}    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a live row.</exception>
                    /// <exception cref="ComponentNotFoundException">The archetype lacks one of the components.</exception>
                    public readonly void Set<{{t}}>(int index, {{InParams(n, withDefaults: true)}})
                    {
                        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
                {{RequireColumns(n, "Chunk.Set")}}        uint version = archetype.World.ChangeVersion;
                {{marks}}{{sets}}    }

                """);
        }

        return file.Text("}").ToString();
    }
}
