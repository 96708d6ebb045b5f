using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The fluent <c>QueryDescription.WithAll/WithAny/WithNone&lt;T0…&gt;()</c> for 1–25 types.</summary>
internal sealed class QueryDescriptionWithEmitter : IArityEmitter
{
    private static readonly (string Clause, string Summary)[] Clauses =
    [
        ("All", "Also requires these components: changes this description and returns it by reference."),
        ("Any", "Also accepts archetypes having any of these components: changes this description and returns it by reference."),
        ("None", "Also excludes archetypes having any of these components: changes this description and returns it by reference."),
    ];

    /// <inheritdoc />
    public string HintName => "QueryDescription.With.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public partial struct QueryDescription\n{");
        foreach (var (clause, summary) in Clauses)
        {
            for (int n = 1; n <= Arity.Max; n++)
            {
                file.Block($$"""
                        /// <summary>{{summary}}</summary>
                    {{TypeDocs(n)}}    /// <returns>This description.</returns>
                        [System.Diagnostics.CodeAnalysis.UnscopedRef]
                        public ref QueryDescription With{{clause}}<{{TypeParams(n)}}>() => ref With{{clause}}([{{ComponentTypes(n)}}]);
                    """);
            }
        }

        return file.Text("}").ToString();
    }
}
