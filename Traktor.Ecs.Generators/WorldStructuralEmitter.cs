using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary><c>World.Add</c> and <c>Remove</c> of 2–25 components in one archetype move (deferred inside a query).</summary>
internal sealed class WorldStructuralEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "World.Structural.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public sealed partial class World\n{");
        for (int n = 2; n <= Arity.Max; n++)
        {
            string t = TypeParams(n);
            string addSteps = Lines(n, i => $"        target = AddStep<T{i}>(target, entity);");
            string writes = Lines(n, i => $"        chunk.ElementAt<T{i}>(target.ColumnOf(Component<T{i}>.Id), slot.Row) = t{i};");
            string removeSteps = Lines(n, i => $"        target = RemoveStep<T{i}>(target, entity);");
            string deferredAdds = Lines(n, i => $"            DeferAdd(entity, in t{i});");
            string deferredRemoves = Lines(n, i => $"            DeferRemove<T{i}>(entity);");
            string valueDocs = ParamDocs(n, i => $"The initial value of component {i}.");
            file.Block($$"""
                    /// <summary>Adds {{n}} components in one move to the matching archetype.</summary>
                {{TypeDocs(n, "A component type the entity does not have yet.")}}    /// <param name="entity">A live entity.</param>
                {{valueDocs}}    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
                    /// <exception cref="DuplicateComponentException">The entity already has one of them (or one is named twice).</exception>
                    /// <exception cref="StructuralChangeDuringQueryException">A parallel query is iterating (inside other queries the change is deferred).</exception>
                    public void Add<{{t}}>(Entity entity, {{InParams(n, withDefaults: true)}})
                    {
                        if (iterationDepth > 0)
                        {
                {{deferredAdds}}            return;
                        }

                        ref var slot = ref AliveSlot(entity, "Add", typeof(T0));
                        var target = slot.Archetype!;
                {{addSteps}}        Move(entity, ref slot, target);
                        ref var chunk = ref target.ChunkArray[slot.Chunk];
                {{writes}}    }

                    /// <summary>Removes {{n}} components in one move to the matching archetype.</summary>
                {{TypeDocs(n, "A component type the entity has.")}}    /// <param name="entity">A live entity.</param>
                    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
                    /// <exception cref="ComponentNotFoundException">The entity lacks one of them (or one is named twice).</exception>
                    /// <exception cref="StructuralChangeDuringQueryException">A parallel query is iterating (inside other queries the change is deferred).</exception>
                    public void Remove<{{t}}>(Entity entity)
                    {
                        if (iterationDepth > 0)
                        {
                {{deferredRemoves}}            return;
                        }

                        ref var slot = ref AliveSlot(entity, "Remove", typeof(T0));
                        var target = slot.Archetype!;
                {{removeSteps}}        Move(entity, ref slot, target);
                    }
                """);
        }

        return file.Text("}").ToString();
    }
}
