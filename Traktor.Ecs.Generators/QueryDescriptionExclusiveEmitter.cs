using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The fluent <c>QueryDescription.WithExclusive&lt;T0…&gt;()</c> for 1–25 types.</summary>
internal sealed class QueryDescriptionExclusiveEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "QueryDescription.Exclusive.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public partial struct QueryDescription\n{");
        for (int n = 1; n <= Arity.Max; n++)
        {
            file.Block($$"""
                    /// <summary>Matches only archetypes with exactly these components (plus any named before): changes this description and returns it by reference.</summary>
                {{TypeDocs(n)}}    /// <returns>This description.</returns>
                    [System.Diagnostics.CodeAnalysis.UnscopedRef]
                    public ref QueryDescription WithExclusive<{{TypeParams(n)}}>() => ref WithExclusive([{{ComponentTypes(n)}}]);
                """);
        }

        return file.Text("}").ToString();
    }
}
