using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The struct callbacks <c>IForEach&lt;T0…&gt;</c> and <c>IForEachWithEntity&lt;T0…&gt;</c> for 1–25 types.</summary>
internal sealed class ForEachInterfacesEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "IForEach.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile();
        for (int n = 1; n <= Arity.QueryMax; n++)
        {
            string t = TypeParams(n);
            string refs = Join(n, ", ", i => $"ref T{i} t{i}");
            string typeDocs = TypeDocs(n, indent: "");
            string refDocs = ParamDocs(n, i => $"The entity's <typeparamref name=\"T{i}\"/>, by reference.");
            file.Block($$"""
                /// <summary>
                /// A struct callback for <c>World.InlineQuery</c>: the JIT specialises the loop for the struct and
                /// inlines <see cref="Update"/>, so no delegate call remains per entity.
                /// </summary>
                {{typeDocs}}public interface IForEach<{{t}}>
                {
                    /// <summary>Called once per matching entity.</summary>
                {{refDocs}}    void Update({{refs}});
                }

                /// <summary>Like <see cref="IForEach{{{t}}}"/>, with the entity handle.</summary>
                {{typeDocs}}public interface IForEachWithEntity<{{t}}>
                {
                    /// <summary>Called once per matching entity.</summary>
                    /// <param name="entity">The entity.</param>
                {{refDocs}}    void Update(Entity entity, {{refs}});
                }
                """);
        }

        return file.ToString();
    }
}
