"""One sentence per field of every content model: shown by editors, docs and scaffolds.

tests/test_schema.py fails when a model gains a field without a sentence here, or keeps a
sentence for a field it lost, so the schemas and docs/authoring.md never fall behind.
"""

from __future__ import annotations

# Model name -> {key as written in YAML -> what it means}.
FIELD_HELP: dict[str, dict[str, str]] = {
    "SiteConfig": {
        "title": "Name of the site, shown in the header of every page.",
        "description": "One sentence about the site, for the index page and search engines.",
        "base_url": "Public URL of the site, like https://user.github.io/repo/; "
        "`trekgen build --base-url` overrides it.",
        "language": "Language of the content as a BCP 47 tag, like en or pt-BR.",
        "roadmaps": "Roadmap folder names in the order the index shows them; "
        "every roadmap folder must be listed.",
    },
    "RoadmapHeader": {
        "title": "Name of the roadmap, usually the role it leads to.",
        "summary": "One sentence, shown on cards and in meta descriptions.",
        "description": "A few paragraphs of framing, in Markdown.",
        "level": "beginner, intermediate or advanced, or a range like 'intermediate to advanced'.",
        "updated": "Date of the last content change, like 2026-01-31.",
        "reviewed": "Date of the last full review, like 2026-01-31.",
        "tags": "Topics that group this roadmap with stages and pages elsewhere on the site.",
        "audience": "Who the roadmap is for, and when another path fits better.",
        "prerequisites": "What a learner should bring, one plain sentence each.",
        "maintainers": "People or teams who keep the roadmap up to date.",
        "related": "Other roadmaps of this site (folder names) worth a look.",
        "role": "What the job is: a summary and its main responsibilities.",
        "tools": "Tools a learner meets, with the stages that use them.",
        "careers": "Jobs the roadmap leads to.",
        "faq": "Questions learners ask, with their answers.",
        "resources": "Study anchors for the whole roadmap.",
        "completion": "What to do once every stage is done.",
    },
    "Audience": {
        "for": "Who the roadmap is for, one sentence each.",
        "choose_another": "Other paths that fit some learners better.",
    },
    "OtherPath": {
        "roadmap": "A roadmap of this site (folder name); give this or a title.",
        "title": "Name of an outside path; give this or a roadmap.",
        "url": "Link to the outside path.",
        "when": "When this path fits better, in one sentence.",
    },
    "Maintainer": {
        "name": "Name of the person or team.",
        "role": "What they look after.",
    },
    "Role": {
        "summary": "What the role is, in a paragraph of Markdown.",
        "responsibilities": "The main parts of the job.",
    },
    "Responsibility": {
        "title": "A few words naming the responsibility.",
        "description": "One or two sentences about it.",
    },
    "Tool": {
        "name": "Name of the tool.",
        "url": "Its home page.",
        "stages": "Stages (slugs) where it is used; empty means throughout.",
    },
    "Career": {
        "title": "Job title.",
        "description": "What the job involves.",
        "salary": "A salary figure, never without its source and year.",
    },
    "Salary": {
        "range": "The figure as text, like '$120k-$180k'.",
        "source": "Where the figure comes from.",
        "year": "Year of the figure.",
    },
    "Question": {
        "question": "The question as a learner would ask it.",
        "answer": "The answer, in Markdown.",
    },
    "Resource": {
        "title": "Title of the resource.",
        "url": "Where to find it: an http(s) URL.",
        "kind": "course, book, docs, paper, video, article or tool.",
        "free": "true when it costs nothing to use.",
        "note": "One line on why it is worth the time.",
    },
    "Completion": {
        "title": "Heading of the closing section.",
        "body": "What the learner has achieved, in Markdown.",
        "next": "Suggested next steps, one sentence each.",
    },
    "StageMeta": {
        "title": "Name of the stage.",
        "summary": "One sentence on what the stage achieves.",
        "duration": "Time it takes: 'N unit' or 'N-M unit', unit days, weeks or months.",
        "level": "beginner, intermediate or advanced.",
        "tags": "Topics that group this stage with pages elsewhere on the site.",
        "prerequisites": "Stages (slugs) to finish first; they must come earlier.",
        "topics": "What the stage covers: 1 to 12 items, 5 to 8 read best.",
        "outcomes": "What a learner can do at the end, one sentence each.",
        "resources": "The best material for this stage.",
        "updated": "Date of the last change to this stage, like 2026-01-31.",
    },
    "SkillMap": {
        "intro": "A paragraph of Markdown above the areas.",
        "areas": "Areas of skill, in the order shown.",
    },
    "SkillArea": {
        "id": "Slug of the area, unique in the file.",
        "title": "Name of the area.",
        "summary": "One or two sentences about it.",
        "topics": "What the area covers.",
        "practices": "Habits a learner can tick off once they are routine.",
    },
    "Workflow": {
        "intro": "A paragraph of Markdown above the steps.",
        "steps": "The steps, in order.",
        "loops": "Arrows from a later step back to an earlier one.",
    },
    "Step": {
        "id": "Slug of the step, unique in the file.",
        "title": "Name of the step.",
        "summary": "One or two sentences about it.",
        "checks": "Things to confirm before moving on.",
    },
    "Loop": {
        "from": "The step (id) the arrow starts at.",
        "to": "The earlier step (id) it goes back to.",
        "label": "Why the work goes back, in a few words.",
    },
    "Ladder": {
        "intro": "A paragraph of Markdown above the rungs.",
        "rungs": "The rungs, from the lowest up.",
    },
    "Rung": {
        "id": "Slug of the rung, unique in the file.",
        "title": "Name of the rung.",
        "summary": "What a learner on this rung can do.",
        "proof": "Something built or written that shows the rung is climbed.",
        "stages": "Stages (slugs) that teach it.",
    },
    "Diagrams": {
        "diagrams": "Concept diagrams, in the order shown.",
    },
    "Diagram": {
        "id": "Slug of the diagram, unique in the file.",
        "title": "Name of the diagram.",
        "caption": "One or two sentences on what the drawing shows.",
        "nodes": "The boxes of the drawing.",
        "edges": "The arrows between boxes.",
    },
    "Node": {
        "id": "Slug of the box, unique in its diagram.",
        "label": "Text in the box.",
    },
    "Edge": {
        "from": "The box (id) the arrow starts at.",
        "to": "The box (id) it points to.",
        "label": "Text on the arrow.",
    },
    "ProjectMeta": {
        "title": "Name of the project.",
        "summary": "One sentence on what gets built.",
        "level": "beginner, intermediate or advanced.",
        "duration": "Time it takes: 'N unit' or 'N-M unit', unit days, weeks or months.",
        "tags": "Topics that group this project with pages elsewhere on the site.",
        "skills": "Skills the project shows.",
        "deliverables": "What the learner hands in, one item each.",
        "stages": "Stages (slugs) the project draws on.",
    },
    "GuideMeta": {
        "title": "Title of the guide.",
        "summary": "One sentence on what it explains.",
        "updated": "Date of the last change, like 2026-01-31.",
        "tags": "Topics that group this guide with pages elsewhere on the site.",
    },
}
