-- SPDX-License-Identifier: MIT
--
-- schema.sql: the knowledge base's tables.  imgaudit creates them in an
-- in-memory SQLite database, runs db/kb/*.sql (embedded in the binary, in
-- file-name order), then each --kb-extra FILE.sql.  A later row with the
-- same primary key replaces an earlier one (write INSERT OR REPLACE), so an
-- extra file overrides a built-in rule by repeating its key; DELETE works
-- too.  docs/knowledge-base.md explains every column and the precedence.
--
-- Globs (path and name patterns) are fnmatch(3) patterns without
-- FNM_PATHNAME: '*' also matches '/'.  Paths start with '/'.
-- Package names are matched as their ecosystem normalises them: pip names
-- are PEP 503 (lower case, runs of '-_.' become '-'); others as written.

-- What a file is for.  removable_* says whether files of that purpose are
-- removal candidates under --profile inference (the default) / training.
CREATE TABLE purposes (
	name			TEXT PRIMARY KEY,
	removable_inference	INTEGER NOT NULL CHECK (removable_inference IN (0, 1)),
	removable_training	INTEGER NOT NULL CHECK (removable_training IN (0, 1)),
	description		TEXT NOT NULL
);

-- A package of some ecosystem and what it is for.
CREATE TABLE package_rules (
	ecosystem	TEXT NOT NULL CHECK (ecosystem IN
			    ('dpkg', 'pip', 'conda', 'apk', 'npm')),
	pattern		TEXT NOT NULL,	-- glob on the (normalised) name
	purpose		TEXT NOT NULL REFERENCES purposes(name),
	confidence	TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
	reason		TEXT NOT NULL,	-- why a serving image rarely needs it
	fix		TEXT NOT NULL,	-- the usual change, for a Dockerfile
	alternative	TEXT,		-- an inference-optimised replacement
	source		TEXT NOT NULL,	-- URL or repo:path backing the reason
	PRIMARY KEY (ecosystem, pattern)
);

-- CUDA (and cuDNN, NCCL, TensorRT ...) libraries by file name.
CREATE TABLE cuda_libs (
	pattern		TEXT PRIMARY KEY,	-- glob on the file name: 'libcupti.so*'
	component	TEXT NOT NULL,		-- 'CUPTI'
	wheels		TEXT,			-- pip wheels shipping it, space separated
	need		TEXT NOT NULL CHECK (need IN ('needed', 'needed-if-used',
			    'profiling', 'dev-only', 'multi-gpu-only', 'build-only')),
	reason		TEXT NOT NULL,
	source		TEXT NOT NULL
);

-- Libraries that load others with dlopen(): when a loader is reached in
-- the link graph, what it loads is reached too.
CREATE TABLE dlopen_rules (
	loader		TEXT NOT NULL,		-- glob on the loader's file name
	loads		TEXT NOT NULL,		-- glob on the loaded file name
	source		TEXT NOT NULL,
	PRIMARY KEY (loader, loads)
);

-- Paths that are caches, docs, tests ...: one rule, several globs.
CREATE TABLE path_rules (
	name		TEXT PRIMARY KEY,	-- 'pip-cache'
	purpose		TEXT NOT NULL REFERENCES purposes(name),
	confidence	TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
	title		TEXT NOT NULL,		-- 'pip download cache'
	reason		TEXT NOT NULL,
	fix		TEXT NOT NULL,		-- Dockerfile change
	source		TEXT NOT NULL
);

CREATE TABLE path_globs (
	rule		TEXT NOT NULL REFERENCES path_rules(name) ON DELETE CASCADE,
	glob		TEXT NOT NULL,
	keep		INTEGER NOT NULL DEFAULT 0 CHECK (keep IN (0, 1)),
				-- 1: paths matching it are exempt from the rule
	PRIMARY KEY (rule, glob)
);

-- Base images recognised by a file they hold, and the advice for them.
-- A base matches when some path of the final tree matches signature and,
-- when unless is set, no path matches unless.  Its candidate frees the
-- files matching its base_globs.
CREATE TABLE base_rules (
	name		TEXT PRIMARY KEY,	-- 'cuda-devel'
	signature	TEXT NOT NULL,		-- '/usr/local/cuda*/bin/nvcc'
	unless		TEXT,
	confidence	TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
	title		TEXT NOT NULL,
	reason		TEXT NOT NULL,
	fix		TEXT NOT NULL,
	source		TEXT NOT NULL
);

CREATE TABLE base_globs (
	rule		TEXT NOT NULL REFERENCES base_rules(name) ON DELETE CASCADE,
	glob		TEXT NOT NULL,
	keep		INTEGER NOT NULL DEFAULT 0 CHECK (keep IN (0, 1)),
	PRIMARY KEY (rule, glob)
);
