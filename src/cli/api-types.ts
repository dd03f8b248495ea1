/**
 * The HTTP API's types, generated from the OpenAPI document (GET /api/openapi.json) by
 * openapi-typescript: `npm run gen:api-types` writes this file; do not edit it by hand.
 * Answers: components['schemas'] (Run, Gate, …), or paths[path][method]['responses'].
 */
export interface paths {
    "/api/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: 200 {"ok": true} once the server is ready. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            ok: true;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** First-run setup: creates the first organization and its owner (the instance admin). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        orgName: string;
                        email: string;
                        name: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            org: {
                                id: string;
                            };
                            user: {
                                id: string;
                            };
                            /** @description An API token for the owner (also set as the session cookie). */
                            token: string;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Creates another organization with its owner. Instance admin only. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        owner: {
                            email: string;
                            name: string;
                            password: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            org: {
                                id: string;
                            };
                            user: {
                                id: string;
                            };
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Signs in; the token acts in one org (orgId needed only for users of several orgs). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        password: string;
                        orgId?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            token: string;
                            user: components["schemas"]["User"];
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revokes the token used for this call. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            ok: true;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller, their orgs and their spaces in the current org. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Me"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Members of the current org. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["OrgUser"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Adds a user to the current org (org admin). An existing user of another org is added by email. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        name: string;
                        password: string;
                        /**
                         * @default member
                         * @enum {string}
                         */
                        role?: "owner" | "admin" | "member";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OrgUser"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/org": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The current org. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Org"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes org settings (org admin): flow control limit maxActiveRuns (default 100). */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Runs executing at once; 0 holds every new run until it is raised. */
                        maxActiveRuns?: number;
                        name?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Org"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/spaces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Spaces the caller can read. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Space"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Creates a space (org admin); the creator becomes its editor. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        statuses?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            statuses: string[];
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/spaces/{spaceId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A space with its members and your role in it. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SpaceDetail"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Renames a space or sets its list of statuses (org admin). Items keep their status even if it leaves the list. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        statuses?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Space"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/spaces/{spaceId}/members/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Adds a member of the org to the space, or changes their role (org admin or space editor). */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                    userId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        role: "editor" | "viewer";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            spaceId: string;
                            userId: string;
                            /** @enum {string} */
                            role: "editor" | "viewer";
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Removes a member from the space. */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/spaces/{spaceId}/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The space's workflows, oldest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Workflow"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Creates a workflow (space editor or org admin) as version 1. A webhook-triggered workflow answers its secret once, as webhookSecret. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            /** @description A workflow: a trigger and an ordered list of phases. */
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description Default true. */
                        enabled?: boolean;
                        /** @description What starts a run of the workflow. */
                        trigger: {
                            /** @enum {string} */
                            type: "manual";
                        } | {
                            /** @enum {string} */
                            type: "content.created";
                        } | {
                            /** @enum {string} */
                            type: "content.updated";
                            /** @description Fire only when one of these fields changed. */
                            fields?: ("title" | "caption" | "status" | "platforms" | "scheduledAt" | "assignees" | "tags")[];
                        } | {
                            /** @enum {string} */
                            type: "content.status_changed";
                            /** @description Fire only when leaving this status. */
                            from?: string;
                            /** @description Fire only when entering this status. */
                            to?: string;
                        } | {
                            /** @enum {string} */
                            type: "task.created";
                        } | {
                            /** @enum {string} */
                            type: "task.updated";
                            /** @description Fire only when one of these fields changed. */
                            fields?: ("title" | "description" | "status" | "assignee" | "dueAt")[];
                        } | {
                            /** @enum {string} */
                            type: "task.status_changed";
                            /** @description Fire only when leaving this status. */
                            from?: string;
                            /** @description Fire only when entering this status. */
                            to?: string;
                        } | {
                            /** @enum {string} */
                            type: "schedule";
                            /**
                             * @description A 5-field cron expression (6 with seconds first).
                             * @example 0 9 * * 2
                             */
                            cron: string;
                            /**
                             * @description The IANA time zone the cron expression is read in.
                             * @example Europe/Paris
                             */
                            timezone: string;
                        } | {
                            /** @enum {string} */
                            type: "comment.created";
                        } | {
                            /** @enum {string} */
                            type: "share_email.sent";
                        } | {
                            /** @enum {string} */
                            type: "webhook";
                        };
                        /** @description Run in order, except where a phase names its next one; jumps only go forward. */
                        phases: ({
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "approval";
                            /** @description Who decides: space members, external reviewers by email, or both. */
                            approvers: {
                                /** @description User ids of space members. */
                                members?: string[];
                                /** @description External reviewers; each gets a link unique to them. */
                                emails?: string[];
                            };
                            /** @description How many approvals open the gate: "any", "all", or a number N. */
                            required: "any" | "all" | number;
                            /** @description What happens when no decision is reached in time. */
                            timeout?: {
                                /**
                                 * @description A duration longer than zero: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                                 * @example 90s
                                 * @example 15m
                                 * @example 1.5h
                                 * @example 48h
                                 * @example 2d
                                 */
                                after: string;
                                /** @enum {string} */
                                action: "deny" | "escalate";
                                /** @description Approvers added, and notified, when the gate escalates. */
                                escalateTo?: {
                                    /** @description User ids of space members. */
                                    members?: string[];
                                    /** @description External reviewers; each gets a link unique to them. */
                                    emails?: string[];
                                };
                                /** @description A second timeout, counted from the escalation. */
                                then?: {
                                    /**
                                     * @description A duration longer than zero: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                                     * @example 90s
                                     * @example 15m
                                     * @example 1.5h
                                     * @example 48h
                                     * @example 2d
                                     */
                                    after: string;
                                    /** @enum {string} */
                                    action: "deny";
                                };
                            };
                            /** @description Where a denied gate goes: end the run (outcome "denied"), or a later phase. */
                            onDeny?: "end" | {
                                /** @description A later phase id, or "end" to finish the run. */
                                goto: string;
                            };
                            /** @description Whether the member who started the run may approve. Default false. */
                            allowSelfApproval?: boolean;
                            /** @description Whether decisions stop counting when the target is edited. Default true. */
                            resetOnEdit?: boolean;
                            /**
                             * @description Lifetime of guest links. Default "72h".
                             * @example 90s
                             * @example 15m
                             * @example 1.5h
                             * @example 48h
                             * @example 2d
                             */
                            linkExpiresIn?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "wait";
                            /**
                             * @description A duration, zero or more: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                             * @example 10s
                             * @example 15m
                             * @example 1.5h
                             * @example 0s
                             */
                            duration?: string;
                            /** @description An ISO-8601 time (UTC when it has no zone offset), or a template such as "{{target.scheduledAt}}". */
                            until?: string;
                            /**
                             * @description A signed duration added to a time: "-1h" is one hour before, "+30m" thirty minutes after, "0s" none.
                             * @example -1h
                             * @example +30m
                             * @example -1.5h
                             * @example 15m
                             */
                            offset?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "mutate";
                            /** @description Target fields to set; values may be templates. */
                            set: {
                                title?: components["schemas"]["JsonValueInput"];
                                caption?: components["schemas"]["JsonValueInput"];
                                status?: components["schemas"]["JsonValueInput"];
                                platforms?: components["schemas"]["JsonValueInput"];
                                scheduledAt?: components["schemas"]["JsonValueInput"];
                                assignees?: components["schemas"]["JsonValueInput"];
                                tags?: components["schemas"]["JsonValueInput"];
                                description?: components["schemas"]["JsonValueInput"];
                                assignee?: components["schemas"]["JsonValueInput"];
                                dueAt?: components["schemas"]["JsonValueInput"];
                            };
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "notify";
                            /** @description Roles ("assignees", "space_admins", "approvers"), user ids or email addresses. */
                            to: string[];
                            /** @description Default: both. */
                            channels?: ("in_app" | "email")[];
                            /** @description A template. */
                            message: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "comment";
                            /** @description A template. */
                            body: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "share_email";
                            to: string[];
                            /** @description A template. */
                            message?: string;
                            /**
                             * @description Lifetime of the review links. Default "72h".
                             * @example 90s
                             * @example 15m
                             * @example 1.5h
                             * @example 48h
                             * @example 2d
                             */
                            linkExpiresIn?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "ai";
                            /** @description A template. */
                            prompt: string;
                            /** @description The JSON Schema the answer must match. */
                            output: {
                                [key: string]: components["schemas"]["JsonValueInput"];
                            };
                            budget?: {
                                maxTokens?: number;
                                maxCostUsd?: number;
                            };
                            model?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "http";
                            /** @description One of GET, POST, PUT, PATCH, DELETE, in any case; stored in upper case. Default "POST". */
                            method?: string;
                            /** @description A template. */
                            url: string;
                            /** @description Values may be templates. */
                            headers?: {
                                [key: string]: string;
                            };
                            body?: components["schemas"]["JsonValueInput"];
                            /**
                             * @description Default "30s".
                             * @example 90s
                             * @example 15m
                             * @example 1.5h
                             * @example 48h
                             * @example 2d
                             */
                            timeout?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "condition";
                            if: components["schemas"]["ConditionInput"];
                            /** @description A later phase id, or "end" to finish the run. */
                            then: string;
                            /** @description A later phase id, or "end" to finish the run. */
                            else: string;
                        })[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Workflow"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/workflows/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A workflow with its current definition. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Workflow"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Saves a new version of the definition (space editor or org admin). Send If-Match: <version> to be refused with 409 if someone saved in between. Leaving out enabled keeps the current state. */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            /** @description A workflow: a trigger and an ordered list of phases. */
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description Default true. */
                        enabled?: boolean;
                        /** @description What starts a run of the workflow. */
                        trigger: {
                            /** @enum {string} */
                            type: "manual";
                        } | {
                            /** @enum {string} */
                            type: "content.created";
                        } | {
                            /** @enum {string} */
                            type: "content.updated";
                            /** @description Fire only when one of these fields changed. */
                            fields?: ("title" | "caption" | "status" | "platforms" | "scheduledAt" | "assignees" | "tags")[];
                        } | {
                            /** @enum {string} */
                            type: "content.status_changed";
                            /** @description Fire only when leaving this status. */
                            from?: string;
                            /** @description Fire only when entering this status. */
                            to?: string;
                        } | {
                            /** @enum {string} */
                            type: "task.created";
                        } | {
                            /** @enum {string} */
                            type: "task.updated";
                            /** @description Fire only when one of these fields changed. */
                            fields?: ("title" | "description" | "status" | "assignee" | "dueAt")[];
                        } | {
                            /** @enum {string} */
                            type: "task.status_changed";
                            /** @description Fire only when leaving this status. */
                            from?: string;
                            /** @description Fire only when entering this status. */
                            to?: string;
                        } | {
                            /** @enum {string} */
                            type: "schedule";
                            /**
                             * @description A 5-field cron expression (6 with seconds first).
                             * @example 0 9 * * 2
                             */
                            cron: string;
                            /**
                             * @description The IANA time zone the cron expression is read in.
                             * @example Europe/Paris
                             */
                            timezone: string;
                        } | {
                            /** @enum {string} */
                            type: "comment.created";
                        } | {
                            /** @enum {string} */
                            type: "share_email.sent";
                        } | {
                            /** @enum {string} */
                            type: "webhook";
                        };
                        /** @description Run in order, except where a phase names its next one; jumps only go forward. */
                        phases: ({
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "approval";
                            /** @description Who decides: space members, external reviewers by email, or both. */
                            approvers: {
                                /** @description User ids of space members. */
                                members?: string[];
                                /** @description External reviewers; each gets a link unique to them. */
                                emails?: string[];
                            };
                            /** @description How many approvals open the gate: "any", "all", or a number N. */
                            required: "any" | "all" | number;
                            /** @description What happens when no decision is reached in time. */
                            timeout?: {
                                /**
                                 * @description A duration longer than zero: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                                 * @example 90s
                                 * @example 15m
                                 * @example 1.5h
                                 * @example 48h
                                 * @example 2d
                                 */
                                after: string;
                                /** @enum {string} */
                                action: "deny" | "escalate";
                                /** @description Approvers added, and notified, when the gate escalates. */
                                escalateTo?: {
                                    /** @description User ids of space members. */
                                    members?: string[];
                                    /** @description External reviewers; each gets a link unique to them. */
                                    emails?: string[];
                                };
                                /** @description A second timeout, counted from the escalation. */
                                then?: {
                                    /**
                                     * @description A duration longer than zero: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                                     * @example 90s
                                     * @example 15m
                                     * @example 1.5h
                                     * @example 48h
                                     * @example 2d
                                     */
                                    after: string;
                                    /** @enum {string} */
                                    action: "deny";
                                };
                            };
                            /** @description Where a denied gate goes: end the run (outcome "denied"), or a later phase. */
                            onDeny?: "end" | {
                                /** @description A later phase id, or "end" to finish the run. */
                                goto: string;
                            };
                            /** @description Whether the member who started the run may approve. Default false. */
                            allowSelfApproval?: boolean;
                            /** @description Whether decisions stop counting when the target is edited. Default true. */
                            resetOnEdit?: boolean;
                            /**
                             * @description Lifetime of guest links. Default "72h".
                             * @example 90s
                             * @example 15m
                             * @example 1.5h
                             * @example 48h
                             * @example 2d
                             */
                            linkExpiresIn?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "wait";
                            /**
                             * @description A duration, zero or more: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                             * @example 10s
                             * @example 15m
                             * @example 1.5h
                             * @example 0s
                             */
                            duration?: string;
                            /** @description An ISO-8601 time (UTC when it has no zone offset), or a template such as "{{target.scheduledAt}}". */
                            until?: string;
                            /**
                             * @description A signed duration added to a time: "-1h" is one hour before, "+30m" thirty minutes after, "0s" none.
                             * @example -1h
                             * @example +30m
                             * @example -1.5h
                             * @example 15m
                             */
                            offset?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "mutate";
                            /** @description Target fields to set; values may be templates. */
                            set: {
                                title?: components["schemas"]["JsonValueInput"];
                                caption?: components["schemas"]["JsonValueInput"];
                                status?: components["schemas"]["JsonValueInput"];
                                platforms?: components["schemas"]["JsonValueInput"];
                                scheduledAt?: components["schemas"]["JsonValueInput"];
                                assignees?: components["schemas"]["JsonValueInput"];
                                tags?: components["schemas"]["JsonValueInput"];
                                description?: components["schemas"]["JsonValueInput"];
                                assignee?: components["schemas"]["JsonValueInput"];
                                dueAt?: components["schemas"]["JsonValueInput"];
                            };
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "notify";
                            /** @description Roles ("assignees", "space_admins", "approvers"), user ids or email addresses. */
                            to: string[];
                            /** @description Default: both. */
                            channels?: ("in_app" | "email")[];
                            /** @description A template. */
                            message: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "comment";
                            /** @description A template. */
                            body: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "share_email";
                            to: string[];
                            /** @description A template. */
                            message?: string;
                            /**
                             * @description Lifetime of the review links. Default "72h".
                             * @example 90s
                             * @example 15m
                             * @example 1.5h
                             * @example 48h
                             * @example 2d
                             */
                            linkExpiresIn?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "ai";
                            /** @description A template. */
                            prompt: string;
                            /** @description The JSON Schema the answer must match. */
                            output: {
                                [key: string]: components["schemas"]["JsonValueInput"];
                            };
                            budget?: {
                                maxTokens?: number;
                                maxCostUsd?: number;
                            };
                            model?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "http";
                            /** @description One of GET, POST, PUT, PATCH, DELETE, in any case; stored in upper case. Default "POST". */
                            method?: string;
                            /** @description A template. */
                            url: string;
                            /** @description Values may be templates. */
                            headers?: {
                                [key: string]: string;
                            };
                            body?: components["schemas"]["JsonValueInput"];
                            /**
                             * @description Default "30s".
                             * @example 90s
                             * @example 15m
                             * @example 1.5h
                             * @example 48h
                             * @example 2d
                             */
                            timeout?: string;
                        } | {
                            /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                            id: string;
                            /** @description A label for people. */
                            name?: string;
                            /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                            next?: string;
                            /** @enum {string} */
                            type: "condition";
                            if: components["schemas"]["ConditionInput"];
                            /** @description A later phase id, or "end" to finish the run. */
                            then: string;
                            /** @description A later phase id, or "end" to finish the run. */
                            else: string;
                        })[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Workflow"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Enables, disables or renames a workflow (space editor or org admin). Makes no new definition version. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            /** @description Changes what is not part of the definition: no new version is made. */
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        enabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Workflow"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/workflows/{id}/webhook-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Replaces the webhook secret of a webhook-triggered workflow (space editor or org admin) and answers the new one, once. The old one stops working at once. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            webhookSecret: string;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/workflows/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A workflow's saved versions, newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["WorkflowVersionSummary"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/workflows/{id}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One saved version of a workflow, as it was saved; versions never change. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    version: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WorkflowVersion"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The org's audit events, newest first (org admin; other members only with ?runId= of a run they can see). */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                    /** @description Only events of this run. */
                    runId?: string;
                    /** @description Only events with this action, e.g. workflow.saved. */
                    action?: string;
                    /** @description Only events by this actor, e.g. user:<id> (or just the user id), guest:<email>, system. */
                    actor?: string;
                    /** @description Only events about this subject, e.g. workflow:<id>. */
                    subject?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["AuditEvent"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recomputes the org's hash chain (org admin): {ok, checked, firstBad?, reason?}. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            ok: boolean;
                            checked: number;
                            firstBad?: number;
                            reason?: string;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/spaces/{spaceId}/content": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The space's content items, newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["ContentItem"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Creates a content item at version 1 (space editors). Its status defaults to the first of the space's statuses. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        title: string;
                        caption?: string | null;
                        /** @description One of the space's statuses; default: the first. */
                        status?: string;
                        /** @description Platforms such as "instagram"; at most 50, no repeats. */
                        platforms?: string[];
                        /** @description ISO-8601 date-time; null clears it. */
                        scheduledAt?: string | null;
                        /** @description User ids of members of the space; at most 50. */
                        assignees?: string[];
                        /** @description Tags; at most 50, no repeats. */
                        tags?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ContentItem"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/content/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A content item, with its version (also in the ETag header). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ContentItem"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Deletes a content item (space editors); it then answers 404. Takes an optional If-Match like PATCH. */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Changes fields of a content item (space editors). The version grows by one when a field changes, not for a PATCH that changes nothing. With If-Match: <version>, another version answers 409 version_mismatch. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        title?: string;
                        caption?: string | null;
                        /** @description One of the space's statuses; default: the first. */
                        status?: string;
                        /** @description Platforms such as "instagram"; at most 50, no repeats. */
                        platforms?: string[];
                        /** @description ISO-8601 date-time; null clears it. */
                        scheduledAt?: string | null;
                        /** @description User ids of members of the space; at most 50. */
                        assignees?: string[];
                        /** @description Tags; at most 50, no repeats. */
                        tags?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ContentItem"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/content/{id}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The comments on a content item, oldest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Comment"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Comments on a content item (space editors). Does not change its version. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        body: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Comment"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/spaces/{spaceId}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The space's tasks, newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Task"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Creates a task at version 1 (space editors). Its status defaults to the first of the space's statuses. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        title: string;
                        description?: string | null;
                        /** @description One of the space's statuses; default: the first. */
                        status?: string;
                        /** @description A user id of a member of the space; null clears it. */
                        assignee?: string | null;
                        /** @description ISO-8601 date-time; null clears it. */
                        dueAt?: string | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task, with its version (also in the ETag header). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Deletes a task (space editors); it then answers 404. Takes an optional If-Match like PATCH. */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Changes fields of a task (space editors). The version grows by one when a field changes, not for a PATCH that changes nothing. With If-Match: <version>, another version answers 409 version_mismatch. */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        title?: string;
                        description?: string | null;
                        /** @description One of the space's statuses; default: the first. */
                        status?: string;
                        /** @description A user id of a member of the space; null clears it. */
                        assignee?: string | null;
                        /** @description ISO-8601 date-time; null clears it. */
                        dueAt?: string | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Task"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/tasks/{id}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The comments on a task, oldest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Comment"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Comments on a task (space editors). Does not change its version. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        body: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Comment"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/outbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Emails of this org, newest first (org admin): sent, pending, failed, or held because no SMTP server is configured. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Email"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/outbox/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One email of the outbox (org admin). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Email"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/workflows/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A workflow's runs, newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                    status?: "triggered" | "active" | "waiting" | "completed" | "failed" | "cancelled";
                    outcome?: "succeeded" | "denied";
                    targetId?: string;
                    /** @description Only runs created at or after this time (ISO 8601). */
                    since?: string;
                    /** @description Only runs created before this time (ISO 8601). */
                    until?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Run"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Starts a run of the workflow's current version, on a target or none. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        target?: {
                            /** @enum {string} */
                            type: "content" | "task";
                            id: string;
                        };
                        input?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One run with its full timeline. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Hides a run from lists and pages; its audit trail stays. An unfinished run is cancelled first. */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description No content. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Runs across the caller's spaces, newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                    status?: "triggered" | "active" | "waiting" | "completed" | "failed" | "cancelled";
                    outcome?: "succeeded" | "denied";
                    targetId?: string;
                    /** @description Only runs created at or after this time (ISO 8601). */
                    since?: string;
                    /** @description Only runs created before this time (ISO 8601). */
                    until?: string;
                    spaceId?: string;
                    workflowId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Run"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancels an unfinished run; its executing phase is aborted and nothing later starts. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Continues a failed run with a new attempt of the failed phase (when its type allows). */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/phases/{phaseId}/skip": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Skips the active or waiting phase (wait, approval, http, ai, notify), recording who and why. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    phaseId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/rerun": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Starts a new run of the same workflow (current version) on the same target, linked by rerunOf. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-Sent Events: the run now, then one `run` event per change. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A text/event-stream of events. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your notifications in this org, newest first. */
        get: {
            parameters: {
                query?: {
                    /** @description Page size (default 50, max 500). */
                    limit?: number;
                    /** @description The nextCursor of the previous page. */
                    cursor?: string;
                    unread?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Notification"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/notifications/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Marks a notification read. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            readAt: string;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/approvals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The run's approval gates with every decision and whether it still counts. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Gate"][];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What changed in the run's target, field by field, since the caller last decided on or viewed this run (or since `since`). Opening it records, for an approver of the run, that they have now seen the current version. */
        get: {
            parameters: {
                query?: {
                    since?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TargetChanges"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/{id}/phases/{phaseId}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approves or denies a waiting gate as one of its approvers. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    phaseId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        decision: "approve" | "deny";
                        comment?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Gate"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/hooks/{workflowId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fires a webhook-triggered workflow; the JSON body becomes the run input. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "x-flowgate-secret"?: string;
                    "x-flowgate-delivery"?: string;
                    "idempotency-key"?: string;
                };
                path: {
                    workflowId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": unknown;
                };
            };
            responses: {
                /** @description A redelivery: the run the first delivery started. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description The run it started. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/guest/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What a guest review link shows: the target as it is now, its comments, and the gate. No sign-in; 404 unknown, 410 expired/used/closed. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    token: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GuestReview"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/guest/{token}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approves or denies the link's gate as its external reviewer. 403 for share links and cross-site requests; 410 expired, used, or gate no longer waiting. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    token: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        decision: "approve" | "deny";
                        comment?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            phaseId: string;
                            /** @enum {string} */
                            status: "waiting" | "approved" | "denied";
                            /** @enum {string} */
                            decision: "approve" | "deny";
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/guest/{token}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Comments on the target as the link’s reviewer (approval and share links). 410 expired or closed. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    token: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        body: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GuestComment"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/runs/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Bulk cancel or delete: without confirmToken, counts the runs it would touch (200 {count, confirmToken, expiresAt}); with it, starts the operation (202 {jobId, total}); repeating that call answers the same job. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description cancel: unfinished runs end `cancelled`; delete: finished runs leave lists (unfinished ones are not touched).
                         * @enum {string}
                         */
                        action: "cancel" | "delete";
                        /** @description Run ids (at most 10000); with a filter, only those that also match it. */
                        ids?: string[];
                        /** @description Runs matching all of these; `{}` means every run the caller may act on. */
                        filter?: {
                            workflowId?: string;
                            /** @enum {string} */
                            status?: "triggered" | "active" | "waiting" | "completed" | "failed" | "cancelled";
                            spaceId?: string;
                        };
                        /** @description The token the first call answered: confirms and starts the operation. */
                        confirmToken?: string;
                    };
                };
            };
            responses: {
                /** @description Counted: nothing changed yet. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                            confirmToken: string;
                            expiresAt: string;
                        };
                    };
                };
                /** @description Started (or, repeated, the same job). */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            jobId: string;
                            total: number;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A background job's progress: {id, action, status: running|done|failed, done, total, changed, …}. Visible to its requester and org admins. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BulkJob"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Runs you are involved in across your spaces: waiting on your decision, started by you, assigned to or notifying you. Each run appears in the first list that applies. */
        get: {
            parameters: {
                query?: {
                    /** @description Most runs in each list (default 50, max 200). */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Runs whose open approval gate waits on your decision, oldest request first. */
                            waitingOnMe: components["schemas"]["Run"][];
                            /** @description Runs you started, newest first. */
                            startedByMe: components["schemas"]["Run"][];
                            /** @description Runs on targets assigned to you, or that notified you in the app, newest first. */
                            involved: components["schemas"]["Run"][];
                            /** @description Whether each list has more runs than `limit` let through. */
                            more: {
                                waitingOnMe: boolean;
                                startedByMe: boolean;
                                involved: boolean;
                            };
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The template gallery: ready workflows a content team uses, each with a description and the people fields to fill in. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                name: string;
                                description: string;
                                tags: string[];
                                /** @description The workflow definition, with its people fields (approvers, escalation, recipients) left empty. */
                                definition: {
                                    name: string;
                                    trigger: {
                                        type: string;
                                    } & {
                                        [key: string]: unknown;
                                    };
                                    phases: ({
                                        id: string;
                                        type: string;
                                    } & {
                                        [key: string]: unknown;
                                    })[];
                                } & {
                                    [key: string]: unknown;
                                };
                                /** @description What the user fills in before saving: a dotted path into the definition and what goes there. */
                                fill: {
                                    path: string;
                                    label: string;
                                }[];
                            }[];
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether an AI provider is configured (for ai phases and describing workflows in words), and if not, how to configure one. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            configured: boolean;
                            /** @description The model used when none is named; null without a provider. */
                            model: string | null;
                            /** @description How to configure a provider; null when one is configured. */
                            message: string | null;
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/spaces/{spaceId}/workflows/describe": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Drafts a workflow from a description in plain words (space editor or org admin), with the configured AI provider; picks people from the space's members. Nothing is saved: review the definition in the builder and save it there. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    spaceId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The workflow in plain words, e.g. "two editors approve, then the client by email, auto-deny after 2 days, then publish". */
                        description: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description A valid definition for this space, not saved: open it in the builder and save it from there. */
                            definition: {
                                name: string;
                                /** @description Default true. */
                                enabled?: boolean;
                                /** @description What starts a run of the workflow. */
                                trigger: {
                                    /** @enum {string} */
                                    type: "manual";
                                } | {
                                    /** @enum {string} */
                                    type: "content.created";
                                } | {
                                    /** @enum {string} */
                                    type: "content.updated";
                                    /** @description Fire only when one of these fields changed. */
                                    fields?: ("title" | "caption" | "status" | "platforms" | "scheduledAt" | "assignees" | "tags")[];
                                } | {
                                    /** @enum {string} */
                                    type: "content.status_changed";
                                    /** @description Fire only when leaving this status. */
                                    from?: string;
                                    /** @description Fire only when entering this status. */
                                    to?: string;
                                } | {
                                    /** @enum {string} */
                                    type: "task.created";
                                } | {
                                    /** @enum {string} */
                                    type: "task.updated";
                                    /** @description Fire only when one of these fields changed. */
                                    fields?: ("title" | "description" | "status" | "assignee" | "dueAt")[];
                                } | {
                                    /** @enum {string} */
                                    type: "task.status_changed";
                                    /** @description Fire only when leaving this status. */
                                    from?: string;
                                    /** @description Fire only when entering this status. */
                                    to?: string;
                                } | {
                                    /** @enum {string} */
                                    type: "schedule";
                                    /**
                                     * @description A 5-field cron expression (6 with seconds first).
                                     * @example 0 9 * * 2
                                     */
                                    cron: string;
                                    /**
                                     * @description The IANA time zone the cron expression is read in.
                                     * @example Europe/Paris
                                     */
                                    timezone: string;
                                } | {
                                    /** @enum {string} */
                                    type: "comment.created";
                                } | {
                                    /** @enum {string} */
                                    type: "share_email.sent";
                                } | {
                                    /** @enum {string} */
                                    type: "webhook";
                                };
                                /** @description Run in order, except where a phase names its next one; jumps only go forward. */
                                phases: ({
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "approval";
                                    /** @description Who decides: space members, external reviewers by email, or both. */
                                    approvers: {
                                        /** @description User ids of space members. */
                                        members?: string[];
                                        /** @description External reviewers; each gets a link unique to them. */
                                        emails?: string[];
                                    };
                                    /** @description How many approvals open the gate: "any", "all", or a number N. */
                                    required: "any" | "all" | number;
                                    /** @description What happens when no decision is reached in time. */
                                    timeout?: {
                                        /**
                                         * @description A duration longer than zero: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                                         * @example 90s
                                         * @example 15m
                                         * @example 1.5h
                                         * @example 48h
                                         * @example 2d
                                         */
                                        after: string;
                                        /** @enum {string} */
                                        action: "deny" | "escalate";
                                        /** @description Approvers added, and notified, when the gate escalates. */
                                        escalateTo?: {
                                            /** @description User ids of space members. */
                                            members?: string[];
                                            /** @description External reviewers; each gets a link unique to them. */
                                            emails?: string[];
                                        };
                                        /** @description A second timeout, counted from the escalation. */
                                        then?: {
                                            /**
                                             * @description A duration longer than zero: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                                             * @example 90s
                                             * @example 15m
                                             * @example 1.5h
                                             * @example 48h
                                             * @example 2d
                                             */
                                            after: string;
                                            /** @enum {string} */
                                            action: "deny";
                                        };
                                    };
                                    /** @description Where a denied gate goes: end the run (outcome "denied"), or a later phase. */
                                    onDeny?: "end" | {
                                        /** @description A later phase id, or "end" to finish the run. */
                                        goto: string;
                                    };
                                    /** @description Whether the member who started the run may approve. Default false. */
                                    allowSelfApproval?: boolean;
                                    /** @description Whether decisions stop counting when the target is edited. Default true. */
                                    resetOnEdit?: boolean;
                                    /**
                                     * @description Lifetime of guest links. Default "72h".
                                     * @example 90s
                                     * @example 15m
                                     * @example 1.5h
                                     * @example 48h
                                     * @example 2d
                                     */
                                    linkExpiresIn?: string;
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "wait";
                                    /**
                                     * @description A duration, zero or more: a whole or decimal number followed by ms, s, m, h, d or w ("1.5h" is 90 minutes).
                                     * @example 10s
                                     * @example 15m
                                     * @example 1.5h
                                     * @example 0s
                                     */
                                    duration?: string;
                                    /** @description An ISO-8601 time (UTC when it has no zone offset), or a template such as "{{target.scheduledAt}}". */
                                    until?: string;
                                    /**
                                     * @description A signed duration added to a time: "-1h" is one hour before, "+30m" thirty minutes after, "0s" none.
                                     * @example -1h
                                     * @example +30m
                                     * @example -1.5h
                                     * @example 15m
                                     */
                                    offset?: string;
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "mutate";
                                    /** @description Target fields to set; values may be templates. */
                                    set: {
                                        title?: components["schemas"]["JsonValue"];
                                        caption?: components["schemas"]["JsonValue"];
                                        status?: components["schemas"]["JsonValue"];
                                        platforms?: components["schemas"]["JsonValue"];
                                        scheduledAt?: components["schemas"]["JsonValue"];
                                        assignees?: components["schemas"]["JsonValue"];
                                        tags?: components["schemas"]["JsonValue"];
                                        description?: components["schemas"]["JsonValue"];
                                        assignee?: components["schemas"]["JsonValue"];
                                        dueAt?: components["schemas"]["JsonValue"];
                                    };
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "notify";
                                    /** @description Roles ("assignees", "space_admins", "approvers"), user ids or email addresses. */
                                    to: string[];
                                    /** @description Default: both. */
                                    channels?: ("in_app" | "email")[];
                                    /** @description A template. */
                                    message: string;
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "comment";
                                    /** @description A template. */
                                    body: string;
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "share_email";
                                    to: string[];
                                    /** @description A template. */
                                    message?: string;
                                    /**
                                     * @description Lifetime of the review links. Default "72h".
                                     * @example 90s
                                     * @example 15m
                                     * @example 1.5h
                                     * @example 48h
                                     * @example 2d
                                     */
                                    linkExpiresIn?: string;
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "ai";
                                    /** @description A template. */
                                    prompt: string;
                                    /** @description The JSON Schema the answer must match. */
                                    output: {
                                        [key: string]: components["schemas"]["JsonValue"];
                                    };
                                    budget?: {
                                        maxTokens?: number;
                                        maxCostUsd?: number;
                                    };
                                    model?: string;
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "http";
                                    /** @description One of GET, POST, PUT, PATCH, DELETE, in any case; stored in upper case. Default "POST". */
                                    method?: string;
                                    /** @description A template. */
                                    url: string;
                                    /** @description Values may be templates. */
                                    headers?: {
                                        [key: string]: string;
                                    };
                                    body?: components["schemas"]["JsonValue"];
                                    /**
                                     * @description Default "30s".
                                     * @example 90s
                                     * @example 15m
                                     * @example 1.5h
                                     * @example 48h
                                     * @example 2d
                                     */
                                    timeout?: string;
                                } | {
                                    /** @description Unique within the workflow: lowercase letters, digits, "_" and "-". "end" is reserved. */
                                    id: string;
                                    /** @description A label for people. */
                                    name?: string;
                                    /** @description A later phase id, or "end". By default the run goes on to the following phase. */
                                    next?: string;
                                    /** @enum {string} */
                                    type: "condition";
                                    if: components["schemas"]["Condition"];
                                    /** @description A later phase id, or "end" to finish the run. */
                                    then: string;
                                    /** @description A later phase id, or "end" to finish the run. */
                                    else: string;
                                })[];
                            };
                            /** @description Always empty on success. */
                            problems: {
                                path: string;
                                message: string;
                            }[];
                            /** @description Whether the model's first answer was invalid and corrected after being shown its problems. */
                            repaired: boolean;
                            /** @description The model that was asked. */
                            model: string;
                            /** @description Tokens used by every call, as the provider reported them (estimated when it reported none). */
                            usage: {
                                promptTokens: number;
                                completionTokens: number;
                                totalTokens: number;
                            };
                            /** @description Estimated cost in USD, from the built-in price list. */
                            costUsd: number;
                            /** @description Requests sent to the provider: 1, or 2 when the first answer had to be repaired. */
                            calls: number;
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                /** @description The problems of the last answer, by path. */
                                details: {
                                    path: string;
                                    message: string;
                                }[];
                                /** @description The last (invalid) answer, when it was a JSON object, to fix by hand. */
                                definition: {
                                    [key: string]: unknown;
                                } | null;
                                /** @description The model that was asked. */
                                model: string;
                                /** @description Tokens used by every call, as the provider reported them (estimated when it reported none). */
                                usage: {
                                    promptTokens: number;
                                    completionTokens: number;
                                    totalTokens: number;
                                };
                                /** @description Estimated cost in USD, from the built-in price list. */
                                costUsd: number;
                                /** @description Requests sent to the provider: 1, or 2 when the first answer had to be repaired. */
                                calls: number;
                            };
                        };
                    };
                };
                /** @description Default Response */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: {
                                    kind: string;
                                };
                                /** @description The model that was asked. */
                                model: string;
                                /** @description Tokens used by every call, as the provider reported them (estimated when it reported none). */
                                usage: {
                                    promptTokens: number;
                                    completionTokens: number;
                                    totalTokens: number;
                                };
                                /** @description Estimated cost in USD, from the built-in price list. */
                                costUsd: number;
                                /** @description Requests sent to the provider: 1, or 2 when the first answer had to be repaired. */
                                calls: number;
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                            };
                        };
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-Sent Events for live lists: `run` events for runs in your readable spaces, `inbox` events for your notifications; resumable with Last-Event-ID. */
        get: {
            parameters: {
                query?: {
                    /** @description Comma-separated: `runs` (runs in your readable spaces), `inbox` (your notifications). Default `runs`. */
                    topics?: string;
                    /** @description Only runs of this space. */
                    spaceId?: string;
                    /** @description Only runs of this workflow. */
                    workflowId?: string;
                };
                header?: {
                    "last-event-id"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A text/event-stream of events. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description An error: {"error": {"code", "message", "details"?}} (docs/API.md "Errors"). */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Any JSON value. */
        JsonValueInput: unknown;
        /** @description A test on the target or earlier outputs: {field, op, value?}, or {all: [...]}, {any: [...]}, {not: ...}. Data, never code. */
        ConditionInput: {
            /** @description A path such as "target.status" or "phases.<id>.output.score". */
            field: string;
            /** @enum {string} */
            op: "eq" | "neq" | "in" | "gt" | "gte" | "lt" | "lte" | "contains" | "exists";
            value?: components["schemas"]["JsonValueInput"];
        } | {
            all: components["schemas"]["ConditionInput"][];
        } | {
            any: components["schemas"]["ConditionInput"][];
        } | {
            not: components["schemas"]["ConditionInput"];
        };
        User: {
            id: string;
            email: string;
            name: string;
        };
        OrgUser: {
            id: string;
            email: string;
            name: string;
            /** @enum {string} */
            role: "owner" | "admin" | "member";
        };
        Me: {
            user: components["schemas"]["User"];
            orgId: string;
            /** @enum {string} */
            orgRole: "owner" | "admin" | "member";
            isInstanceAdmin: boolean;
            orgs: {
                id: string;
                name: string;
                /** @enum {string} */
                role: "owner" | "admin" | "member";
            }[];
            spaces: {
                id: string;
                name: string;
                /** @enum {string} */
                role: "editor" | "viewer";
            }[];
        };
        Org: {
            id: string;
            name: string;
            maxActiveRuns: number;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
        };
        Space: {
            id: string;
            name: string;
            statuses: string[];
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            /**
             * @description The caller's role in the space (admin: an org owner or admin, who may do anything in it).
             * @enum {string}
             */
            role?: "editor" | "viewer" | "admin";
        };
        SpaceDetail: {
            id: string;
            name: string;
            statuses: string[];
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            /**
             * @description The caller's role in the space (admin: an org owner or admin, who may do anything in it).
             * @enum {string}
             */
            role?: "editor" | "viewer" | "admin";
            members: {
                id: string;
                name: string;
                email: string;
                /** @enum {string} */
                role: "editor" | "viewer";
            }[];
        };
        ContentItem: {
            /** @constant */
            type: "content";
            id: string;
            spaceId: string;
            title: string;
            caption: string | null;
            status: string;
            platforms: string[];
            scheduledAt: string | null;
            /** @description User ids. */
            assignees: string[];
            tags: string[];
            version: number;
            createdBy: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            /** @description ISO 8601 time, UTC. */
            updatedAt: string;
            deletedAt: string | null;
        };
        Task: {
            /** @constant */
            type: "task";
            id: string;
            spaceId: string;
            title: string;
            description: string | null;
            status: string;
            assignee: string | null;
            dueAt: string | null;
            version: number;
            createdBy: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            /** @description ISO 8601 time, UTC. */
            updatedAt: string;
            deletedAt: string | null;
        };
        Comment: {
            id: string;
            /** @enum {string} */
            targetType: "content" | "task";
            targetId: string;
            body: string;
            /** @description A member, a guest reviewer by email, or a workflow run. */
            author: ({
                userId: string;
                name: string | null;
            } | {
                email: string;
            } | {
                workflowRunId: string;
            }) | null;
            /** @enum {string} */
            source: "app" | "guest" | "workflow";
            runId: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
        };
        Workflow: {
            id: string;
            spaceId: string;
            name: string;
            enabled: boolean;
            version: number;
            /** @description The trigger, as in the definition. */
            trigger: {
                type: string;
            } & {
                [key: string]: unknown;
            };
            phases: ({
                id: string;
                type: string;
            } & {
                [key: string]: unknown;
            })[];
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            /** @description ISO 8601 time, UTC. */
            updatedAt: string;
            hasWebhookSecret: boolean;
            /** @description The webhook secret, answered once when it is issued. */
            webhookSecret?: string;
        };
        WorkflowVersion: {
            workflowId: string;
            version: number;
            name: string;
            /** @description The trigger, as in the definition. */
            trigger: {
                type: string;
            } & {
                [key: string]: unknown;
            };
            phases: ({
                id: string;
                type: string;
            } & {
                [key: string]: unknown;
            })[];
            createdBy: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
        };
        WorkflowVersionSummary: {
            version: number;
            name: string;
            createdBy: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
        };
        /** @enum {string} */
        RunStatus: "triggered" | "active" | "waiting" | "completed" | "failed" | "cancelled";
        /** @enum {string} */
        PhaseStatus: "pending" | "running" | "waiting" | "succeeded" | "failed" | "skipped" | "cancelled";
        PhaseExecution: {
            executionId: string;
            phaseId: string;
            type: string;
            attempt: number;
            status: components["schemas"]["PhaseStatus"];
            input: unknown;
            output: unknown;
            error: ({
                code: string;
                message: string;
            } & {
                [key: string]: unknown;
            }) | null;
            /** @description approval | wait | flow_control, while waiting. */
            waitingFor: string | null;
            wakeAt: string | null;
            skippedBy: string | null;
            skipReason: string | null;
            startedAt: string | null;
            endedAt: string | null;
            durationMs: number | null;
        };
        Run: {
            id: string;
            workflowId: string;
            workflowVersion: number;
            spaceId: string;
            status: components["schemas"]["RunStatus"];
            outcome: ("succeeded" | "denied") | null;
            target: {
                /** @enum {string} */
                type: "content" | "task";
                id: string;
                /** @description The version the run started on. */
                version: number | null;
                /** @description The latest version the run has seen. */
                versionSeen: number | null;
            } | null;
            /** @description What started the run: {type: manual|rerun|webhook|schedule|…, …}. */
            trigger: {
                type: string;
            } & {
                [key: string]: unknown;
            };
            input: unknown;
            startedBy: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            startedAt: string | null;
            endedAt: string | null;
            currentPhaseId: string | null;
            /** @description Place in the queue while held by flow control (1 = next). */
            queuePosition: number | null;
            /** @description approval | wait | flow_control, while waiting. */
            waitingFor: string | null;
            rerunOf: string | null;
            error: ({
                /** @description The phase that failed. */
                phaseId?: string;
                code: string;
                message: string;
            } & {
                [key: string]: unknown;
            }) | null;
            /** @description Every phase execution, earlier attempts too, in the order they started. */
            phases: components["schemas"]["PhaseExecution"][];
        };
        Gate: {
            phaseId: string;
            executionId: string;
            attempt: number;
            /** @enum {string} */
            status: "waiting" | "approved" | "denied" | "closed";
            required: (("any" | "all") | number) | null;
            approvers: ({
                userId: string;
                addedBy: string;
            } | {
                email: string;
                addedBy: string;
            })[];
            decisions: {
                approver: {
                    userId: string;
                } | {
                    email: string;
                };
                /** @enum {string} */
                decision: "approve" | "deny";
                comment: string | null;
                /** @description The version of the target the decision was made on. */
                targetVersion: number | null;
                /** @enum {string} */
                via: "app" | "api" | "link";
                /** @description ISO 8601 time, UTC. */
                at: string;
                /** @description False once the target changed after it (resetOnEdit). */
                counts: boolean;
            }[];
        };
        GuestComment: {
            id: string;
            body: string;
            author: ({
                name: string | null;
            } | {
                email: string;
            } | {
                /** @constant */
                workflow: true;
            }) | null;
            source: string;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
        };
        GuestReview: {
            /** @enum {string} */
            kind: "approval" | "share";
            email: string;
            target: ({
                /** @constant */
                type: "content";
                id: string;
                title: string;
                caption: string | null;
                status: string;
                platforms: string[];
                scheduledAt: string | null;
                tags: string[];
                version: number;
                /** @description ISO 8601 time, UTC. */
                updatedAt: string;
            } | {
                /** @constant */
                type: "task";
                id: string;
                title: string;
                description: string | null;
                status: string;
                dueAt: string | null;
                version: number;
                /** @description ISO 8601 time, UTC. */
                updatedAt: string;
            }) | null;
            targetGone: ("none" | "deleted") | null;
            gate: {
                phaseId: string;
                /** @enum {string} */
                status: "waiting" | "approved" | "denied" | "closed";
            } | null;
            comments: components["schemas"]["GuestComment"][];
            /** @description ISO 8601 time, UTC. */
            expiresAt: string;
        };
        AuditEvent: {
            seq: number;
            /** @description ISO 8601 time, UTC. */
            at: string;
            actor: string;
            action: string;
            subject: string | null;
            runId: string | null;
            data: unknown;
            hash: string;
            prevHash: string;
        };
        Email: {
            id: string;
            to: string;
            subject: string;
            text: string;
            html: string;
            links: string[];
            /** @enum {string} */
            status: "pending" | "sent" | "failed" | "held";
            attempts: number;
            lastError: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            sentAt: string | null;
            nextAttemptAt: string | null;
            runId: string | null;
        };
        Notification: {
            id: string;
            kind: string;
            runId: string | null;
            message: string;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            readAt: string | null;
        };
        BulkJob: {
            id: string;
            /** @constant */
            kind: "bulk";
            /** @enum {string} */
            action: "cancel" | "delete";
            /** @enum {string} */
            status: "running" | "done" | "failed";
            done: number;
            total: number;
            changed: number;
            filter: {
                workflowId?: string;
                status?: components["schemas"]["RunStatus"];
                spaceId?: string;
            } | null;
            idCount: number | null;
            requestedBy: string | null;
            error: string | null;
            /** @description ISO 8601 time, UTC. */
            createdAt: string;
            finishedAt: string | null;
        };
        /** @description Any JSON value. */
        JsonValue: unknown;
        /** @description A test on the target or earlier outputs: {field, op, value?}, or {all: [...]}, {any: [...]}, {not: ...}. Data, never code. */
        Condition: {
            /** @description A path such as "target.status" or "phases.<id>.output.score". */
            field: string;
            /** @enum {string} */
            op: "eq" | "neq" | "in" | "gt" | "gte" | "lt" | "lte" | "contains" | "exists";
            value?: components["schemas"]["JsonValue"];
        } | {
            all: components["schemas"]["Condition"][];
        } | {
            any: components["schemas"]["Condition"][];
        } | {
            not: components["schemas"]["Condition"];
        };
        TargetChanges: {
            /** @description The run's target as it is now; null when it has none or it was deleted. */
            target: {
                /** @enum {string} */
                type: "content" | "task";
                id: string;
                version: number;
            } | null;
            /** @description Where the diff starts; null when the caller has neither decided on nor viewed this run. */
            since: {
                version: number;
                /**
                 * @description decided: the caller's last decision on this run; viewed: the last time the caller opened it; requested: `since` given.
                 * @enum {string}
                 */
                reason: "decided" | "viewed" | "requested";
                at: string | null;
            } | null;
            currentVersion: number | null;
            /** @description False when the starting version predates version history; `changes` is then empty. */
            recorded: boolean;
            /** @description Fields that differ between `since.version` and now, in field order. */
            changes: {
                field: string;
                label: string;
                before: string | number | string[] | null;
                after: string | number | string[] | null;
            }[];
        };
        Error: {
            error: {
                /** @description snake_case, stable: what went wrong. */
                code: string;
                /** @description A sentence a person can act on. */
                message: string;
                /** @description For a 400, [{path, message}] per bad field; otherwise what the code says. */
                details?: unknown;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
