-- Deleting a SCIM user took its group memberships (cascade) without
-- lowering the groups' member counts. Deletions now lower them first; this
-- sets the counts a deployment already has to what the groups hold.
update scim_groups g
   set member_count = coalesce(m.members, 0)
  from scim_groups g2
  left join (
    select group_id, count(*)::integer as members from scim_group_members group by group_id
  ) m on m.group_id = g2.id
 where g.id = g2.id and g.member_count <> coalesce(m.members, 0);
