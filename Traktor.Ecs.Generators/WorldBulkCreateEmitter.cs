using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>Arch's bulk <c>Create(amount, values…)</c> and <c>EnsureCapacity&lt;T0…&gt;(amount)</c> for 1–25 types.</summary>
internal sealed class WorldBulkCreateEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "World.BulkCreate.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public sealed partial class World\n{");
        for (int n = 1; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string what = n == 1 ? "component" : $"{n} components";
            string valueDocs = ParamDocs(n, i => $"The initial value of component {i}, given to every entity.");
            file.Block($$"""
                    /// <summary>
                    /// Creates <paramref name="amount"/> entities with {{what}}, every one with the same values (Arch's bulk
                    /// <c>world.Create(amount, …)</c>; it returns nothing, as Arch's: find them with a query). An <c>int</c> first
                    /// argument binds here, so <c>world.Create(100, a)</c> makes 100 entities, not one with an <c>int</c> component.
                    /// </summary>
                {{TypeDocs(n)}}    /// <param name="amount">How many entities to create (0 creates none).</param>
                {{valueDocs}}    /// <exception cref="ArgumentOutOfRangeException"><paramref name="amount"/> is negative.</exception>
                    /// <exception cref="EcsException">A component type is named twice.</exception>
                    public void Create<{{t}}>(int amount, {{InParams(n, withDefaults: true)}})
                    {
                        ArgumentOutOfRangeException.ThrowIfNegative(amount);
                        if (iterationDepth == 0)
                        {
                            EnsureCapacity<{{t}}>(amount);
                        }

                        for (int i = 0; i < amount; i++)
                        {
                            Create<{{t}}>({{InArgs(n)}});
                        }
                    }

                    /// <summary>
                    /// Makes room for <paramref name="amount"/> more entities with exactly these components (Arch's
                    /// <c>EnsureCapacity&lt;…&gt;(amount)</c>); creating them then allocates no chunk.
                    /// </summary>
                {{TypeDocs(n)}}    /// <param name="amount">The number of entities about to be created.</param>
                    /// <returns>The archetype of these components.</returns>
                    /// <exception cref="ArgumentOutOfRangeException"><paramref name="amount"/> is negative.</exception>
                    /// <exception cref="EcsException">A component type is named twice.</exception>
                    public Archetype EnsureCapacity<{{t}}>(int amount)
                    {
                        ObjectDisposedException.ThrowIf(disposed, this);
                        var archetype = ArchetypeForSignature(Signature<{{t}}>.Id, Signature<{{t}}>.Types);
                        archetype.EnsureCapacity(amount);
                        return archetype;
                    }
                """);
        }

        return file.Text("}").ToString();
    }
}
