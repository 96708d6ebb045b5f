using static Traktor.Ecs.Generators.ArityText;
using static Traktor.Ecs.Generators.ChunkText;

namespace Traktor.Ecs.Generators;

/// <summary>The column accessors of <c>Chunk</c> for 2–25 types: <c>GetFirst</c>, <c>GetSpan</c>, <c>GetArray</c>.</summary>
internal sealed class ChunkColumnsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "Chunk.Columns.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public partial struct Chunk\n{");
        for (int n = 2; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string marks = MarkChanged(n);
            string componentDocs = TypeDocs(n, "A component of this chunk's archetype.");
            string firsts = Join(n, ", ", i => $"ref FirstForWrite<T{i}>(c{i}, version)");
            string spanOuts = Join(n, ", ", i => $"out Span<T{i}> t{i}Span");
            string spans = Lines(n, i => $"        t{i}Span = new Span<T{i}>(Unsafe.As<T{i}[]>(columns[c{i}]), 0, Count);");
            string spanDocs = Lines(n, i => $"    /// <param name=\"t{i}Span\">Receives the live values of component {i}.</param>");
            string arrayDocs = Lines(n, i => $"    /// <param name=\"t{i}Array\">Receives the column array of component {i}.</param>");
            string arrayOuts = Join(n, ", ", i => $"out T{i}[] t{i}Array");
            string arrays = Lines(n, i => $"        t{i}Array = Unsafe.As<T{i}[]>(columns[c{i}]);");
            file.Block($$"""
                    /// <summary>References to the first value of {{n}} component columns (index them with <c>Unsafe.Add</c> below <see cref="Count"/>); marks the columns changed.</summary>
                {{componentDocs}}    /// <returns>The first-element references (fields t0, t1…).</returns>
                    /// <exception cref="ComponentNotFoundException">The archetype lacks one of the components.</exception>
                    public readonly Components<{{t}}> GetFirst<{{t}}>()
                    {
                {{RequireColumns(n, "Chunk.GetFirst")}}        uint version = archetype.World.ChangeVersion;
                        return new Components<{{t}}>({{firsts}});
                    }

                    /// <summary>The live values of {{n}} component columns (exactly <see cref="Count"/> items each), writable; marks the columns changed.</summary>
                {{componentDocs}}{{spanDocs}}    /// <exception cref="ComponentNotFoundException">The archetype lacks one of the components.</exception>
                    public readonly void GetSpan<{{t}}>({{spanOuts}})
                    {
                {{RequireColumns(n, "Chunk.GetSpan")}}        uint version = archetype.World.ChangeVersion;
                {{marks}}{{spans}}    }

                    /// <summary>The whole column arrays of {{n}} components (length <see cref="Capacity"/>; the first <see cref="Count"/> items are live); marks the columns changed.</summary>
                {{componentDocs}}{{arrayDocs}}    /// <exception cref="ComponentNotFoundException">The archetype lacks one of the components.</exception>
                    public readonly void GetArray<{{t}}>({{arrayOuts}})
                    {
                {{RequireColumns(n, "Chunk.GetArray")}}        uint version = archetype.World.ChangeVersion;
                {{marks}}{{arrays}}    }
                """);
        }

        return file.Text("}").ToString("\nusing System.Runtime.CompilerServices;\n");
    }
}
