using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The entity extension forms of <c>Get</c>/<c>Has</c>/<c>Set</c>/<c>Add</c>/<c>Remove</c> for 2–25 types.</summary>
internal sealed class EntityExtensionsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "EntityExtensions.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public static partial class EntityExtensions\n{");
        for (int n = 2; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string hadDocs = TypeDocs(n, "A component the entity has.");
            string newValueDocs = ParamDocs(n, i => $"The new value of component {i}.");
            string initialValueDocs = ParamDocs(n, i => $"The initial value of component {i}.");
            file.Block($$"""
                    /// <summary>References to {{n}} of the entity's components (<see cref="World.Get{{{t}}}(Entity)"/> on its world).</summary>
                {{hadDocs}}    /// <param name="entity">A live entity.</param>
                    public static Components<{{t}}> Get<{{t}}>(this Entity entity) => WorldOf(entity, "Get").Get<{{t}}>(entity);

                    /// <summary>True when the entity has all {{n}} components.</summary>
                {{TypeDocs(n)}}    /// <param name="entity">A live entity.</param>
                    public static bool Has<{{t}}>(this Entity entity) => WorldOf(entity, "Has").Has<{{t}}>(entity);

                    /// <summary>Overwrites {{n}} of the entity's components.</summary>
                {{hadDocs}}    /// <param name="entity">A live entity.</param>
                {{newValueDocs}}    public static void Set<{{t}}>(this Entity entity, {{InParams(n)}}) => WorldOf(entity, "Set").Set(entity, {{InArgs(n)}});

                    /// <summary>Adds {{n}} components in one move.</summary>
                {{TypeDocs(n, "A component type the entity does not have yet.")}}    /// <param name="entity">A live entity.</param>
                {{initialValueDocs}}    public static void Add<{{t}}>(this Entity entity, {{InParams(n, withDefaults: true)}}) => WorldOf(entity, "Add").Add(entity, {{InArgs(n)}});

                    /// <summary>Removes {{n}} components in one move.</summary>
                {{TypeDocs(n, "A component type the entity has.")}}    /// <param name="entity">A live entity.</param>
                    public static void Remove<{{t}}>(this Entity entity) => WorldOf(entity, "Remove").Remove<{{t}}>(entity);
                """);
        }

        return file.Text("}").ToString();
    }
}
