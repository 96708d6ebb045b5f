using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The query callback delegates <c>ForEach&lt;T0…&gt;</c> and <c>ForEachWithEntity&lt;T0…&gt;</c> for 1–25 types.</summary>
internal sealed class ForEachDelegatesEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "ForEach.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile();
        for (int n = 1; n <= Arity.QueryMax; n++)
        {
            string t = TypeParams(n);
            string refs = Join(n, ", ", i => $"ref T{i} t{i}");
            string typeDocs = TypeDocs(n, indent: "");
            string refDocs = ParamDocs(n, i => $"The entity's <typeparamref name=\"T{i}\"/>, by reference.", indent: "");
            file.Block($$"""
                /// <summary>A query callback over {{n}} component(s) of each matching entity.</summary>
                {{typeDocs}}{{refDocs}}public delegate void ForEach<{{t}}>({{refs}});

                /// <summary>A query callback over the entity and {{n}} of its components.</summary>
                {{typeDocs}}/// <param name="entity">The entity.</param>
                {{refDocs}}public delegate void ForEachWithEntity<{{t}}>(Entity entity, {{refs}});
                """);
        }

        return file.ToString();
    }
}
